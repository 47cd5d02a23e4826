#include "xgrad/nn/distributed/data_parallel.hpp"

#include <algorithm>
#include <chrono>
#include <span>

namespace xgrad::nn::distributed {

DataParallel::DataParallel(Communicator& comm, DataParallelOptions options) : comm_(comm), options_(options) {}

void DataParallel::broadcast(const std::vector<Var>& params) {
  for (Var p : params) {
    core::Tensor<float>& value = p.value_mut();
    comm_.broadcast(std::as_writable_bytes(std::span<float>(value.data(), static_cast<std::size_t>(value.numel()))), 0);
  }
}

void DataParallel::average_gradients(const std::vector<Var>& params, double weight) {
  std::vector<Var> with_grad;
  std::vector<std::size_t> starts{0};
  for (const Var& p : params)
    if (p.defined() && p.grad().defined()) {
      with_grad.push_back(p);
      starts.push_back(starts.back() + static_cast<std::size_t>(p.grad().numel()));
    }
  flat_.resize(starts.back());
  const auto w = static_cast<float>(weight);
  for (std::size_t i = 0; i < with_grad.size(); ++i)
    std::transform(with_grad[i].grad().begin(), with_grad[i].grad().end(), flat_.begin() + static_cast<std::ptrdiff_t>(starts[i]),
                   [w](float g) { return w == 0 ? 0.f : g * w; });  // a rank without rows adds nothing, not 0 * NaN

  const auto t0 = std::chrono::steady_clock::now();
  const auto reduce = [&](std::size_t lo, std::size_t hi) {
    comm_.all_reduce_sum(std::span<float>(flat_.data() + lo, hi - lo));
    ++stats_.calls;
  };
  if (options_.bucket_bytes == 0) {
    for (std::size_t i = 0; i < with_grad.size(); ++i) reduce(starts[i], starts[i + 1]);
  } else {
    const std::size_t bucket = std::max<std::size_t>(1, options_.bucket_bytes / sizeof(float));
    for (std::size_t lo = 0; lo < flat_.size(); lo += bucket) reduce(lo, std::min(flat_.size(), lo + bucket));
  }
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stats_.bytes += static_cast<std::int64_t>(flat_.size() * sizeof(float));
  ++stats_.reductions;

  for (std::size_t i = 0; i < with_grad.size(); ++i)
    std::copy(flat_.begin() + static_cast<std::ptrdiff_t>(starts[i]), flat_.begin() + static_cast<std::ptrdiff_t>(starts[i + 1]),
              with_grad[i].grad_mut().begin());
}

}  // namespace xgrad::nn::distributed
