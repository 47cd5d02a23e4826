#pragma once
// What the residual stack's tests share: their fixtures' two blocks, one forward and backward
// pass of a fixture, a float run against the double run of the same values, and two runs bit
// for bit (1 against 2 threads).
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include "converted.hpp"
#include "kernel_check.hpp"
#include "thread_count.hpp"
#include "xgrad/core/residual_block.hpp"

namespace xgrad::test {

/// A fixture's blocks, each (conv3 weight, bias, conv1 weight, bias).
template <class T>
using BlockParams = std::vector<std::array<core::Tensor<T>, 4>>;

/// Two blocks of 32 hidden channels over 64, block b's four tensors drawn from seeds
/// first + 4b, ..., first + 4b + 3.
template <class T>
BlockParams<T> two_blocks(unsigned first) {
  BlockParams<T> params;
  for (unsigned b = 0; b < 2; ++b)
    params.push_back({random_tensor<T>({32, 64, 3, 3}, first + 4 * b, -0.1, 0.1),
                      random_tensor<T>({32}, first + 1 + 4 * b, -0.1, 0.1),
                      random_tensor<T>({64, 32, 1, 1}, first + 2 + 4 * b, -0.2, 0.2),
                      random_tensor<T>({64}, first + 3 + 4 * b, -0.1, 0.1)});
  return params;
}

/// The blocks as residual_stack takes them (pointers into `params`).
template <class T>
std::vector<core::ResidualWeights<T>> block_weights(const BlockParams<T>& params) {
  std::vector<core::ResidualWeights<T>> w;
  for (const auto& q : params) w.push_back({&q[0], &q[1], &q[2], &q[3]});
  return w;
}

/// The same blocks in double.
inline BlockParams<double> blocks_in_double(const BlockParams<float>& params) {
  BlockParams<double> d;
  for (const auto& q : params)
    d.push_back({converted<double>(q[0]), converted<double>(q[1]), converted<double>(q[2]), converted<double>(q[3])});
  return d;
}

/// A stack's output and gradients.
template <class T>
struct StackPass {
  core::ResidualStackOutput<T> out;
  core::ResidualStackGrads<T> g;
};

/// One forward and backward pass of a fixture with x, weights() and stem(), relu after the blocks.
template <class Stack, class T>
StackPass<T> forward_backward(const Stack& s, const core::Tensor<T>& gy, bool x_grad = true) {
  auto out = core::residual_stack(s.x, s.weights(), true, s.stem());
  auto g = core::residual_stack_backward(gy, s.x, s.weights(), true, out, s.stem(), x_grad);
  return {std::move(out), std::move(g)};
}

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
