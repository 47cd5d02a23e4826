#include "xgrad/nn/distributed/local_group.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "xgrad/core/error.hpp"

namespace xgrad::nn::distributed {

class LocalGroup::Rank final : public Communicator {
 public:
  Rank(LocalGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  void all_reduce_sum(std::span<float> data) override { reduce(data); }
  void all_reduce_sum(std::span<double> data) override { reduce(data); }
  void broadcast(std::span<std::byte> data, int root) override {
    publish(data.data());
    if (rank_ != root) std::memcpy(data.data(), group_.published_[static_cast<std::size_t>(root)], data.size());
    group_.barrier_.arrive_and_wait();  // nobody leaves (and reuses its buffer) before all have read
  }
  [[noreturn]] void abort(int exit_code) override { std::exit(exit_code); }

 private:
  void publish(void* buffer) {
    group_.published_[static_cast<std::size_t>(rank_)] = buffer;
    group_.barrier_.arrive_and_wait();
  }
  template <class T>
  void reduce(std::span<T> data) {
    publish(data.data());
    std::vector<T> sum(data.size(), T(0));
    for (void* other : group_.published_)  // rank order: the same bits on every rank
      for (std::size_t i = 0; i < data.size(); ++i) sum[i] += static_cast<const T*>(other)[i];
    group_.barrier_.arrive_and_wait();  // every rank has read every buffer
    std::copy(sum.begin(), sum.end(), data.begin());
  }

  LocalGroup& group_;
  int rank_;
};

namespace {
int checked_size(int size) {
  if (size < 1) throw core::ValueError("LocalGroup: the size must be at least 1");
  return size;
}
}  // namespace

LocalGroup::LocalGroup(int size) : barrier_(checked_size(size)), published_(static_cast<std::size_t>(size)) {
  for (int r = 0; r < size; ++r) ranks_.push_back(std::make_unique<Rank>(*this, r));
}

LocalGroup::~LocalGroup() = default;

Communicator& LocalGroup::rank(int r) { return *ranks_.at(static_cast<std::size_t>(r)); }

}  // namespace xgrad::nn::distributed
