#include "xgrad/core/task_group.hpp"

#include <tbb/task_group.h>

#include <exception>
#include <utility>

#include "xgrad/core/parallel.hpp"

namespace xgrad::core {

struct TaskGroup::Impl {
  tbb::task_group group;
  std::exception_ptr inline_error;  // the first exception of a task run inline (one thread)
};

TaskGroup::TaskGroup() : impl_(std::make_unique<Impl>()) {}

TaskGroup::~TaskGroup() {
  try {
    impl_->group.wait();
  } catch (...) {  // a task's exception nobody waited for: the caller is unwinding already
  }
}

void TaskGroup::run(std::function<void()> task) {
  if (num_threads() > 1) return impl_->group.run(std::move(task));
  try {
    task();
  } catch (...) {  // kept for wait(), as a pooled task's would be
    if (!impl_->inline_error) impl_->inline_error = std::current_exception();
  }
}

void TaskGroup::wait() {
  impl_->group.wait();
  if (auto e = std::exchange(impl_->inline_error, nullptr)) std::rethrow_exception(e);
}

}  // namespace xgrad::core
