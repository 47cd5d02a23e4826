#pragma once
// DataLoader: batches from any Dataset, in a seeded shuffled order, with the
// next batch gathered in the background (by a thread per pass) while the caller works on
// the current one.
//
//   DataLoader loader(train, {.batch_size = 128, .seed = 1});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const Batch& b : loader) { ... }   // each pass is the next epoch
//
// The order of epoch e depends only on (seed, e): the same seed gives the same
// batches, and a run resumed at epoch e (set_epoch) sees what it would have seen.
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct DataLoaderOptions {
  core::Index batch_size = 64;
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;  ///< leave out a last batch smaller than batch_size
  bool prefetch = true;    ///< gather the next batch in the background
  /// Data-parallel training: this process gathers part `shard` of `shards` of every
  /// batch (shard_rows), so `shards` processes together see exactly the batches of one.
  int shard = 0, shards = 1;
};

/// The rows [offset, offset + rows) of a batch of `total` rows that part `shard` of
/// `shards` holds: contiguous parts whose sizes differ by at most one.
struct ShardRows {
  core::Index offset = 0, rows = 0;
};
ShardRows shard_rows(core::Index total, int shard, int shards);

class DataLoader {
  struct Epoch;

 public:
  DataLoader(std::shared_ptr<const Dataset> data, DataLoaderOptions options = {});

  /// Batches per epoch.
  core::Index num_batches() const;
  const Dataset& dataset() const { return *data_; }
  const DataLoaderOptions& options() const { return options_; }

  /// The epoch the next begin() starts (0 at first; each begin() advances it).
  std::uint64_t epoch() const { return next_epoch_; }
  void set_epoch(std::uint64_t e) { next_epoch_ = e; }
  /// The row order of epoch `e` (identity when not shuffling).
  std::vector<core::Index> order(std::uint64_t e) const;

  /// An input iterator over one epoch's batches; move-only. Only one pass
  /// should be live at a time per loader if epochs are counted by begin().
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;

    Iterator(Iterator&&) noexcept;
    Iterator& operator=(Iterator&&) noexcept;
    ~Iterator();

    const Batch& operator*() const;
    const Batch* operator->() const { return &**this; }
    Iterator& operator++();
    bool operator==(std::default_sentinel_t) const;

   private:
    friend class DataLoader;
    explicit Iterator(std::unique_ptr<Epoch> e);
    std::unique_ptr<Epoch> e_;
  };

  /// Starts epoch epoch() and advances the counter.
  Iterator begin();
  std::default_sentinel_t end() const { return {}; }
  /// Iterates epoch `e` without touching the counter.
  Iterator iterate(std::uint64_t e) const;

 private:
  std::shared_ptr<const Dataset> data_;
  DataLoaderOptions options_;
  std::uint64_t next_epoch_ = 0;
};

}  // namespace xgrad::nn
