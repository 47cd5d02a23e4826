#pragma once
// Ranks as threads of one process: a group of communicators that meet at a barrier.
// What the tests run data-parallel training on without MPI (and under the
// sanitizers); the reductions sum in rank order, as the MPI ones do for two ranks.
//
//   LocalGroup group(2);
//   std::thread t([&] { train(group.rank(1)); });
//   train(group.rank(0));
#include <barrier>
#include <cstddef>
#include <memory>
#include <vector>

#include "xgrad/nn/distributed/communicator.hpp"

namespace xgrad::nn::distributed {

class LocalGroup {
 public:
  explicit LocalGroup(int size);
  ~LocalGroup();
  int size() const { return static_cast<int>(ranks_.size()); }
  /// Rank r's communicator; each must be used by one thread.
  Communicator& rank(int r);

 private:
  class Rank;
  std::barrier<> barrier_;
  std::vector<void*> published_;  ///< each rank's buffer during a collective
  std::vector<std::unique_ptr<Rank>> ranks_;
};

}  // namespace xgrad::nn::distributed
