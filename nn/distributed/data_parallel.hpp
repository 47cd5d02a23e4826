#pragma once
// Data-parallel training of any module: every rank holds the whole model and a part
// of each batch; after backward, each parameter's gradient is replaced by the
// batch-weighted sum over ranks (the gradient of the whole batch's mean loss), so
// every rank's optimizer takes the same step. Gradients travel packed into one flat
// buffer, reduced in buckets of a fixed size in the parameters' order (few large
// messages instead of one per tensor, and the same bits every time).
//
//   distributed::DataParallel dp(distributed::world());
//   dp.broadcast(model.parameters());                 // rank 0's weights everywhere
//   loss.backward();
//   dp.average_gradients(model.parameters(), my_rows / batch_rows);
//   optimizer.step();
#include <cstddef>
#include <cstdint>
#include <vector>

#include "xgrad/nn/distributed/communicator.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn::distributed {

struct DataParallelOptions {
  /// Bytes of gradient per all-reduce call; 0 reduces each tensor on its own
  /// (one call per parameter, kept to measure what bucketing saves).
  std::size_t bucket_bytes = std::size_t{1} << 20;
};

/// What the gradient reductions cost so far (this rank's view).
struct ReduceStats {
  std::int64_t reductions = 0;  ///< average_gradients calls
  std::int64_t calls = 0;       ///< all-reduce calls
  std::int64_t bytes = 0;       ///< gradient bytes this rank contributed
  double seconds = 0;           ///< wall time inside the all-reduce calls
};

class DataParallel {
 public:
  explicit DataParallel(Communicator& comm, DataParallelOptions options = {});

  /// Rank 0's values of `params` on every rank (a collective).
  void broadcast(const std::vector<Var>& params);
  /// Replaces each gradient of `params` by the sum over ranks of `weight` x gradient
  /// (weight: this rank's share of the batch's rows). Parameters without a gradient
  /// are left out; every rank must have gradients for the same parameters.
  void average_gradients(const std::vector<Var>& params, double weight);

  Communicator& comm() { return comm_; }
  const ReduceStats& stats() const { return stats_; }

 private:
  Communicator& comm_;
  DataParallelOptions options_;
  std::vector<float> flat_;
  ReduceStats stats_;
};

}  // namespace xgrad::nn::distributed
