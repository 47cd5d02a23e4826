#pragma once
// Tasks that run while their caller goes on, on the threads parallel_for uses (TBB kept
// out of the header, as in parallel.hpp).
#include <functional>
#include <memory>

namespace xgrad::core {

/// run() hands a task to the thread pool and returns at once (with one thread set, it
/// runs the task itself first); wait() returns when every task has finished and rethrows
/// the first exception one threw (on more threads, tasks not started by then may be
/// dropped). Tasks must not depend on each other or on the order they run in. The
/// destructor waits too (dropping an exception nobody waited for).
class TaskGroup {
 public:
  TaskGroup();
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  void run(std::function<void()> task);
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xgrad::core
