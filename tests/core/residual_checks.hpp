#pragma once
// The checks the residual stack's tests share: a float run against the double run of the same
// values, and two runs bit for bit (1 against 2 threads).
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include "converted.hpp"
#include "kernel_check.hpp"
#include "thread_count.hpp"

namespace xgrad::test {

/// A run's output, x's gradient and the weight gradients in a fixed order.
template <class T>
struct StackRun {
  const core::Tensor<T>& y;
  const core::Tensor<T>& gx;
  std::vector<core::Tensor<T>> gw;
};

/// The float run within 1e-4 of the double one; `order` names the weight gradients.
inline void check_near_double(const StackRun<float>& got, const StackRun<double>& want, const std::string& order) {
  check_close(converted<double>(got.y), want.y, 1e-4, 1e-4);
  check_close(converted<double>(got.gx), want.gx, 1e-4, 1e-4);
  REQUIRE(got.gw.size() == want.gw.size());
  for (std::size_t i = 0; i < want.gw.size(); ++i) {
    INFO("weight gradient " << i << " (" << order << ")");
    check_close(converted<double>(got.gw[i]), want.gw[i], 1e-4, 1e-4);
  }
}

/// `run()` on one thread, then on two (for check_same_bits).
template <class Run>
auto on_one_and_two_threads(const Run& run) {
  std::array<decltype(run()), 2> r;
  for (int i : {0, 1}) {
    ThreadCount threads(i + 1);
    r[static_cast<std::size_t>(i)] = run();
  }
  return r;
}

/// Two runs give the same bits.
template <class T>
void check_same_bits(const StackRun<T>& a, const StackRun<T>& b) {
  CHECK(core::equal(a.y, b.y));
  CHECK(core::equal(a.gx, b.gx));
  REQUIRE(a.gw.size() == b.gw.size());
  for (std::size_t i = 0; i < a.gw.size(); ++i) CHECK(core::equal(a.gw[i], b.gw[i]));
}

}  // namespace xgrad::test
