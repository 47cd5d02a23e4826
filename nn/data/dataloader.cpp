#include "xgrad/nn/data/dataloader.hpp"

#include <exception>
#include <optional>

#include <fmt/format.h>
#include <tbb/task_group.h>

#include "xgrad/core/random.hpp"

namespace xgrad::nn {

// One pass: the order, the current batch, and the background gather of the next.
struct DataLoader::Epoch {
  std::shared_ptr<const Dataset> data;
  std::vector<core::Index> order;
  core::Index batch_size = 0, num_batches = 0, next = 0;  // next: index of the batch after `current`
  bool prefetch = true;
  Batch current;
  bool done = false;

  // Written by the background task, read after wait().
  tbb::task_group group;
  Batch pending;
  bool pending_live = false;

  Batch gather(core::Index b) const {
    const std::size_t lo = static_cast<std::size_t>(b * batch_size);
    const std::size_t hi = std::min(order.size(), lo + static_cast<std::size_t>(batch_size));
    return data->get_batch(std::vector<core::Index>(order.begin() + static_cast<std::ptrdiff_t>(lo),
                                                     order.begin() + static_cast<std::ptrdiff_t>(hi)));
  }

  void start_prefetch() {
    if (!prefetch || next >= num_batches) return;
    pending_live = true;
    const core::Index b = next;
    // An exception inside the task is rethrown by wait(), i.e. at the ++ that needs the batch.
    group.run([this, b] { pending = gather(b); });
  }

  // Makes batch `next` current and starts gathering the one after.
  void advance() {
    if (next >= num_batches) {
      finish();
      done = true;
      return;
    }
    if (pending_live) {
      pending_live = false;
      group.wait();
      current = std::move(pending);
    } else {
      current = gather(next);
    }
    ++next;
    start_prefetch();
  }

  void finish() noexcept {
    if (!pending_live) return;
    pending_live = false;
    try {
      group.wait();
    } catch (...) {
      // The batch was never asked for; its error does not matter any more.
    }
  }

  ~Epoch() { finish(); }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> data, DataLoaderOptions options)
    : data_(std::move(data)), options_(options) {
  if (!data_) throw core::ValueError("DataLoader: the dataset is null");
  if (options_.batch_size < 1) throw core::ValueError(fmt::format("DataLoader: batch_size must be >= 1, got {}", options_.batch_size));
}

core::Index DataLoader::num_batches() const {
  const core::Index n = data_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<core::Index> DataLoader::order(std::uint64_t e) const {
  const core::Index n = data_->size();
  if (!options_.shuffle) {
    std::vector<core::Index> o(static_cast<std::size_t>(n));
    for (core::Index i = 0; i < n; ++i) o[static_cast<std::size_t>(i)] = i;
    return o;
  }
  // Each epoch gets its own stream: the generator's splitmix64 seeding turns
  // nearby seeds into unrelated states, and the golden-ratio step keeps
  // (seed, epoch) pairs apart.
  core::Generator gen(options_.seed + 0x9E3779B97F4A7C15ULL * (e + 1));
  const core::IndexTensor p = core::permutation(n, gen);
  return {p.begin(), p.end()};
}

DataLoader::Iterator DataLoader::iterate(std::uint64_t e) const {
  auto ep = std::make_unique<Epoch>();
  ep->data = data_;
  ep->order = order(e);
  ep->batch_size = options_.batch_size;
  ep->num_batches = num_batches();
  ep->prefetch = options_.prefetch;
  ep->advance();
  return Iterator(std::move(ep));
}

DataLoader::Iterator DataLoader::begin() { return iterate(next_epoch_++); }

DataLoader::Iterator::Iterator(std::unique_ptr<Epoch> e) : e_(std::move(e)) {}
DataLoader::Iterator::Iterator(Iterator&&) noexcept = default;
DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&&) noexcept = default;
DataLoader::Iterator::~Iterator() = default;

const Batch& DataLoader::Iterator::operator*() const { return e_->current; }

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  e_->advance();
  return *this;
}

bool DataLoader::Iterator::operator==(std::default_sentinel_t) const { return !e_ || e_->done; }

}  // namespace xgrad::nn
