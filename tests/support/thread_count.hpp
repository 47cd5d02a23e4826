#pragma once
// A scope's thread count: sets it (or leaves the current one with no argument) and puts the
// default back when the scope ends, so a failing test does not leave later ones on its count.
#include "xgrad/core/parallel.hpp"

namespace xgrad::test {

class ThreadCount {
 public:
  ThreadCount() = default;
  explicit ThreadCount(int n) { core::set_num_threads(n); }
  ~ThreadCount() { core::set_num_threads(0); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
};

}  // namespace xgrad::test
