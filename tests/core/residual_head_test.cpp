// residual_stack with a head: relu(conv2d(x)) before the stem, as the VQ-VAE encoder's
// first layer (1 -> 32, 4x4 / 2 from 28x28). In float oneDNN runs it in the stem's blocked
// pass; it must give what the head composed before the stack gives.
#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/residual_block.hpp"
#include "converted.hpp"
#include "residual_checks.hpp"

using namespace xgrad::core;
using namespace xgrad::test;  // the residual fixtures and checks, random_tensor

namespace {

// x (n, c_in, side, side) -> head (c_in -> c_head, 4x4 / 2) -> stem (c_head -> 64, 4x4 / 2)
// -> two blocks of 32 hidden channels -> relu.
template <class T>
struct HeadStack {
  Tensor<T> x, hw, hb, sw, sb;
  BlockParams<T> params;
  Conv2dParams p{{2, 2}, {1, 1}, {1, 1}};
  std::vector<ResidualWeights<T>> weights() const { return block_weights(params); }
  ResidualStem<T> stem(bool head = true) const {
    ResidualStem<T> s{&sw, &sb, p};
    if (head) s.head_w = &hw, s.head_b = &hb, s.head_p = p;
    return s;
  }
};

template <class T>
HeadStack<T> head_stack(Index n, Index c_in, Index c_head, Index side, unsigned seed) {
  HeadStack<T> h{random_tensor<T>({n, c_in, side, side}, seed, 0, 1), random_tensor<T>({c_head, c_in, 4, 4}, seed + 1, -0.5, 0.5),
                 random_tensor<T>({c_head}, seed + 2, -0.2, 0.2), random_tensor<T>({64, c_head, 4, 4}, seed + 3, -0.1, 0.1),
                 random_tensor<T>({64}, seed + 4, -0.1, 0.1), {}};
  h.params = two_blocks<T>(seed + 5);
  return h;
}

template <class T>
Tensor<double> to_double(const Tensor<T>& t) {
  return xgrad::test::converted<double>(t);
}

HeadStack<double> to_double(const HeadStack<float>& f) {
  return {to_double(f.x),  to_double(f.hw), to_double(f.hb), to_double(f.sw),
          to_double(f.sb), blocks_in_double(f.params), f.p};
}

// Every gradient but x's, in a fixed order: the head's, the stem's, the blocks'.
template <class T>
std::vector<Tensor<T>> weight_grads(const ResidualStackGrads<T>& g) {
  std::vector<Tensor<T>> all{g.head[0], g.head[1], g.stem[0], g.stem[1]};
  for (const auto& b : g.blocks) all.insert(all.end(), b.begin(), b.end());
  return all;
}

}  // namespace

TEST_CASE("float residual_stack with a head runs it fused and matches the double path", "[residual_block]") {
  struct Case {
    Index n, c_in, c_head;
    bool fused;
  };
  // The encoder's head; 40 images (chunks of 20); a head of 5 channels, which the blocked
  // path does not take (composed, the stem apart too).
  for (const Case c : {Case{19, 1, 32, true}, Case{40, 1, 32, true}, Case{3, 2, 5, false}}) {
    INFO(c.n << " images, head " << c.c_in << " -> " << c.c_head);
    const auto f = head_stack<float>(c.n, c.c_in, c.c_head, 28, 101);
    const auto gy = random_tensor<float>({c.n, 64, 7, 7}, 103);
    const auto got = forward_backward(f, gy);
    CHECK(got.out.head_fused == c.fused);
    const auto want = forward_backward(to_double(f), to_double(gy));
    CHECK_FALSE(want.out.head_fused);
    check_near_double({got.out.y, got.g.x, weight_grads(got.g)}, {want.out.y, want.g.x, weight_grads(want.g)},
                                   "head w, b, stem w, b, then each block's");
  }
}

TEST_CASE("double residual_stack with a head is conv2d, relu, then the stack with its stem, bit for bit",
          "[residual_block]") {
  const auto d = head_stack<double>(5, 1, 32, 28, 107);
  const Tensor<double> h = relu(conv2d(d.x, d.hw, d.hb, d.p));
  const auto gy = random_tensor<double>({5, 64, 7, 7}, 109);
  const auto got = forward_backward(d, gy);
  const auto out = residual_stack(h, d.weights(), true, d.stem(false));
  CHECK(equal(got.out.y, out.y));
  auto g = residual_stack_backward(gy, h, d.weights(), true, out, d.stem(false));
  relu_backward_(g.x, h);
  const ConvGrads<double> gh = conv2d_backward(g.x, d.x, d.hw, d.p, true, true);
  CHECK(equal(got.g.x, gh.x));
  CHECK(equal(got.g.head[0], gh.w));
  CHECK(equal(got.g.stem[0], g.stem[0]));
  for (std::size_t b = 0; b < 2; ++b)
    for (int i = 0; i < 4; ++i) CHECK(equal(got.g.blocks[b][i], g.blocks[b][i]));
}

TEST_CASE("float residual_stack with a head gives identical bits on 1 and 2 threads", "[residual_block]") {
  const auto f = head_stack<float>(40, 1, 32, 28, 113);
  const auto gy = random_tensor<float>({40, 64, 7, 7}, 127);
  const auto r = on_one_and_two_threads([&] { return forward_backward(f, gy); });
  CHECK(r[0].out.head_fused);
  check_same_bits<float>({r[0].out.y, r[0].g.x, weight_grads(r[0].g)},
                                      {r[1].out.y, r[1].g.x, weight_grads(r[1].g)});
}

TEST_CASE("a fused head's gradients do not depend on whether x's is asked for", "[residual_block]") {
  const auto f = head_stack<float>(19, 1, 32, 28, 131);
  const auto gy = random_tensor<float>({19, 64, 7, 7}, 137);
  const auto with = forward_backward(f, gy), without = forward_backward(f, gy, false);
  CHECK_FALSE(without.g.x.defined());
  const auto a = weight_grads(with.g), b = weight_grads(without.g);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(equal(a[i], b[i]));
}

TEST_CASE("a fused head gives the head composed in float (conv2d, relu, then the stack with its stem)",
          "[residual_block]") {
  const auto f = head_stack<float>(40, 1, 32, 28, 139);
  const auto gy = random_tensor<float>({40, 64, 7, 7}, 149);
  const auto got = forward_backward(f, gy);
  REQUIRE(got.out.head_fused);
  const Tensor<float> h = relu(conv2d(f.x, f.hw, f.hb, f.p));
  const auto out = residual_stack(h, f.weights(), true, f.stem(false));
  auto g = residual_stack_backward(gy, h, f.weights(), true, out, f.stem(false));
  relu_backward_(g.x, h);
  const ConvGrads<float> gh = conv2d_backward(g.x, f.x, f.hw, f.p, true, true);
  g.head = {gh.w, sum(sum(g.x, {0}), {1, 2})};
  g.x = gh.x;
  CHECK(equal(got.out.y, out.y));  // the same kernels on the same blocked values
  xgrad::test::check_close(got.g.x, g.x, 1e-6, 1e-6);
  const auto a = weight_grads(got.g);
  const auto b = weight_grads(g);
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("weight gradient " << i << " (head w, b, stem w, b, then each block's)");
    // The head's sum over 40 x 196 positions of terms up to ~1 in another order (per chunk,
    // then over chunks): up to ~2e-5 apart. The stem's and the blocks' run the same kernels.
    if (i < 2)
      xgrad::test::check_close(a[i], b[i], 1e-5, 1e-4);
    else
      CHECK(equal(a[i], b[i]));
  }
}
