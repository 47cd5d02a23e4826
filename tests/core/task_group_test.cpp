#include "xgrad/core/task_group.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "thread_count.hpp"

using xgrad::core::TaskGroup;

namespace {

// Tasks slow enough that a wait() that returned early would find them unfinished.
void slow_write(std::atomic<int>& slot, int value) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  slot.store(value);
}

}  // namespace

TEST_CASE("TaskGroup::wait returns when every task has run, on 1 and 2 threads", "[parallel]") {
  for (int threads : {1, 2}) {
    INFO(threads << " threads");
    const xgrad::test::ThreadCount count(threads);
    std::vector<std::atomic<int>> done(6);
    TaskGroup tasks;
    for (int i = 0; i < 6; ++i) tasks.run([&done, i] { slow_write(done[static_cast<std::size_t>(i)], i + 1); });
    tasks.wait();
    for (int i = 0; i < 6; ++i) CHECK(done[static_cast<std::size_t>(i)].load() == i + 1);
  }
}

TEST_CASE("TaskGroup::run returns before its task ends on 2 threads, and runs it at once on 1", "[parallel]") {
  std::atomic<int> done{0};
  {
    const xgrad::test::ThreadCount count(1);
    TaskGroup tasks;
    tasks.run([&] { slow_write(done, 1); });
    CHECK(done.load() == 1);  // inline: the task has run when run() returns
    tasks.wait();
  }
  const xgrad::test::ThreadCount count(2);
  std::atomic<bool> release{false};
  TaskGroup tasks;
  tasks.run([&] {
    while (!release.load()) std::this_thread::yield();
    done.store(2);
  });
  CHECK(done.load() == 1);  // run() came back while the task still waits for us
  release.store(true);
  tasks.wait();
  CHECK(done.load() == 2);
}

TEST_CASE("TaskGroup::wait rethrows a task's exception", "[parallel]") {
  for (int threads : {1, 2}) {
    INFO(threads << " threads");
    const xgrad::test::ThreadCount count(threads);
    TaskGroup tasks;
    tasks.run([] { throw std::runtime_error("task failed"); });
    CHECK_THROWS_WITH(tasks.wait(), "task failed");
  }
}

TEST_CASE("a TaskGroup left without wait() waits in its destructor", "[parallel]") {
  const xgrad::test::ThreadCount count(2);
  std::atomic<int> done{0};
  {
    TaskGroup tasks;
    tasks.run([&] { slow_write(done, 3); });
  }
  CHECK(done.load() == 3);
}
