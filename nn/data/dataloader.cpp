#include "xgrad/nn/data/dataloader.hpp"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "xgrad/core/random.hpp"

namespace xgrad::nn {

// One pass: the order, the current batch, and (with prefetch) a thread that
// gathers one batch ahead. A dedicated thread rather than a TBB task: with
// set_num_threads(1) TBB has no worker to run a task in the background, and a
// TBB worker busy gathering would stall the kernels' parallel loops.
struct DataLoader::Epoch {
  std::shared_ptr<const Dataset> data;
  std::vector<core::Index> order;
  core::Index batch_size = 0, num_batches = 0;
  int shard = 0, shards = 1;
  core::Index next = 0;  // the batch the next advance() makes current
  Batch current;
  bool done = false;

  // The hand-over slot between the prefetch thread and the consumer.
  std::thread worker;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Batch> slot;
  std::exception_ptr error;
  bool stop = false, worker_done = false;

  Batch gather(core::Index b) const {
    const core::Index start = b * batch_size;
    const ShardRows part = shard_rows(std::min(static_cast<core::Index>(order.size()) - start, batch_size), shard, shards);
    const auto lo = static_cast<std::size_t>(start + part.offset), hi = lo + static_cast<std::size_t>(part.rows);
    return data->get_batch(std::vector<core::Index>(order.begin() + static_cast<std::ptrdiff_t>(lo),
                                                     order.begin() + static_cast<std::ptrdiff_t>(hi)));
  }

  void start_worker() {
    worker = std::thread([this] {
      for (core::Index b = 0; b < num_batches; ++b) {
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return stop || (!slot && !error); });
          if (stop) break;
        }
        std::optional<Batch> batch;
        std::exception_ptr err;
        try {
          batch = gather(b);
        } catch (...) {
          err = std::current_exception();
        }
        std::lock_guard lock(mu);
        if (err) {
          error = err;
          break;
        }
        slot = std::move(batch);
        cv.notify_all();
      }
      std::lock_guard lock(mu);
      worker_done = true;
      cv.notify_all();
    });
  }

  // Makes batch `next` current; an error from gathering it is thrown here.
  void advance() {
    if (next >= num_batches) {
      done = true;
      return;
    }
    if (!worker.joinable()) {
      current = gather(next);
    } else {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return slot || error || worker_done; });
      if (slot) {
        current = std::move(*slot);
        slot.reset();
        cv.notify_all();
      } else {
        done = true;
        if (error) std::rethrow_exception(std::exchange(error, nullptr));
        return;
      }
    }
    ++next;
  }

  ~Epoch() {
    if (!worker.joinable()) return;
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    cv.notify_all();
    worker.join();
  }
};

ShardRows shard_rows(core::Index total, int shard, int shards) {
  const core::Index lo = total * shard / shards, hi = total * (shard + 1) / shards;
  return {lo, hi - lo};
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> data, DataLoaderOptions options)
    : data_(std::move(data)), options_(options) {
  if (!data_) throw core::ValueError("DataLoader: the dataset is null");
  if (options_.batch_size < 1) throw core::ValueError(fmt::format("DataLoader: batch_size must be >= 1, got {}", options_.batch_size));
  if (options_.shards < 1 || options_.shard < 0 || options_.shard >= options_.shards)
    throw core::ValueError(fmt::format("DataLoader: shard {} of {} does not exist", options_.shard, options_.shards));
  // A part may be empty (a last batch of fewer rows than processes): that process still
  // takes part in the step, with no rows and no weight (nn::Trainer).
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
  ep->shard = options_.shard;
  ep->shards = options_.shards;
  if (options_.prefetch && ep->num_batches > 0) ep->start_worker();
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
