// residual_stack with a tail: relu(conv_transpose2d(y)) after the stack's relu, as the
// VQ-VAE decoder's 64 -> 32, 4x4 / 2 (7x7 -> 14x14) after its stem (reading the quantizer's
// rows) and blocks. In float oneDNN runs it in the stack's blocked pass; it must give what
// the stack and the tail composed give.
#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/residual_block.hpp"
#include "converted.hpp"
#include "residual_checks.hpp"

using namespace xgrad::core;
using namespace xgrad::test;  // the residual fixtures and checks, random_tensor

namespace {

// x (n, 7, 7, 16) rows -> stem (16 -> 64, 3x3, padding 1) -> two blocks of 32 hidden
// channels -> relu -> tail (64 -> c_tail, 4x4 / 2, padding 1) -> relu.
template <class T>
struct TailStack {
  Tensor<T> x, sw, sb, tw, tb;
  BlockParams<T> params;
  Conv2dParams sp{{1, 1}, {1, 1}, {1, 1}}, tp{{2, 2}, {1, 1}, {1, 1}};
  std::vector<ResidualWeights<T>> weights() const { return block_weights(params); }
  ResidualStem<T> stem(bool tail = true) const {
    ResidualStem<T> s{&sw, &sb, sp, true};
    if (tail) s.tail_w = &tw, s.tail_b = &tb, s.tail_p = tp;
    return s;
  }
};

template <class T>
TailStack<T> tail_stack(Index n, Index c_tail, unsigned seed) {
  TailStack<T> t{random_tensor<T>({n, 7, 7, 16}, seed, -1, 1), random_tensor<T>({64, 16, 3, 3}, seed + 1, -0.1, 0.1),
                 random_tensor<T>({64}, seed + 2, -0.1, 0.1), random_tensor<T>({64, c_tail, 4, 4}, seed + 3, -0.1, 0.1),
                 random_tensor<T>({c_tail}, seed + 4, -0.1, 0.1), {}};
  t.params = two_blocks<T>(seed + 5);
  return t;
}

Tensor<double> to_double(const Tensor<float>& t) { return xgrad::test::converted<double>(t); }

TailStack<double> to_double(const TailStack<float>& f) {
  return {to_double(f.x), to_double(f.sw), to_double(f.sb), to_double(f.tw), to_double(f.tb),
          blocks_in_double(f.params)};
}

// Every gradient but x's, in a fixed order: the tail's, the stem's, the blocks'.
template <class T>
std::vector<Tensor<T>> weight_grads(const ResidualStackGrads<T>& g) {
  std::vector<Tensor<T>> all{g.tail[0], g.tail[1], g.stem[0], g.stem[1]};
  for (const auto& b : g.blocks) all.insert(all.end(), b.begin(), b.end());
  return all;
}

// A stage run fused against the same stage composed after the stack: y, x's gradient and every
// weight gradient but the stage's own (the first two, `order` names them all) are the same
// bits, the same kernels on the same values; the stage's own w and b sum the same terms in
// another order, so they agree to float rounding.
template <class T>
void check_fused_against_composed(const StackRun<T>& got, const StackRun<T>& want, const char* order) {
  CHECK(equal(got.y, want.y));
  CHECK(equal(got.gx, want.gx));
  REQUIRE(got.gw.size() == want.gw.size());
  for (std::size_t i = 0; i < got.gw.size(); ++i) {
    INFO("weight gradient " << i << " (" << order << ")");
    if (i < 2)
      check_close(got.gw[i], want.gw[i], 1e-5, 1e-4);
    else
      CHECK(equal(got.gw[i], want.gw[i]));
  }
}

// The stack without its tail, then the tail by core's conv_transpose2d and relu.
template <class T>
StackPass<T> composed(const TailStack<T>& t, const Tensor<T>& gy) {
  StackPass<T> r{residual_stack(t.x, t.weights(), true, t.stem(false)), {}};
  const Tensor<T> y = relu(conv_transpose2d(r.out.y, t.tw, t.tb, t.tp));
  Tensor<T> gt(gy);
  relu_backward_(gt, y);
  ConvGrads<T> gd = conv_transpose2d_backward(gt, r.out.y, t.tw, t.tp, true, true);
  r.g = residual_stack_backward(gd.x, t.x, t.weights(), true, r.out, t.stem(false));
  r.g.tail = {std::move(gd.w), sum(sum(gt, {0}), {1, 2})};
  r.out.y = y;
  return r;
}

}  // namespace

TEST_CASE("float residual_stack with a tail runs it fused and matches the double path", "[residual_block]") {
  struct Case {
    Index n, c_tail;
    bool fused;
  };
  // The decoder's tail; 40 images (chunks of 20); 33 (17 then 16: the last chunk has its own
  // plan); a tail of 8 channels, which the blocked path does not take (composed after the
  // fused stack).
  for (const Case c : {Case{19, 32, true}, Case{40, 32, true}, Case{33, 32, true}, Case{3, 8, false}}) {
    INFO(c.n << " images, tail 64 -> " << c.c_tail);
    const auto f = tail_stack<float>(c.n, c.c_tail, 201);
    const auto gy = random_tensor<float>({c.n, c.c_tail, 14, 14}, 203);
    const auto got = forward_backward(f, gy);
    CHECK(got.out.tail_fused == c.fused);
    CHECK(got.out.blocked);  // the stack stays fused when its tail does not
    const auto want = forward_backward(to_double(f), to_double(gy));
    CHECK_FALSE(want.out.tail_fused);
    REQUIRE(got.out.y.shape() == Shape{c.n, c.c_tail, 14, 14});
    check_near_double({got.out.y, got.g.x, weight_grads(got.g)}, {want.out.y, want.g.x, weight_grads(want.g)},
                                   "tail w, b, stem w, b, then each block's");
  }
}

TEST_CASE("double residual_stack with a tail is the stack, conv_transpose2d and relu, bit for bit",
          "[residual_block]") {
  const auto d = tail_stack<double>(5, 32, 207);
  const auto gy = random_tensor<double>({5, 32, 14, 14}, 209);
  const auto got = forward_backward(d, gy);
  const auto want = composed(d, gy);
  CHECK(equal(got.out.y, want.out.y));
  CHECK(equal(got.g.x, want.g.x));
  const auto a = weight_grads(got.g), b = weight_grads(want.g);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(equal(a[i], b[i]));
}

TEST_CASE("a fused tail gives the stack and the tail composed in float", "[residual_block]") {
  const auto f = tail_stack<float>(40, 32, 211);
  const auto gy = random_tensor<float>({40, 32, 14, 14}, 213);
  const auto got = forward_backward(f, gy);
  REQUIRE(got.out.tail_fused);
  const auto want = composed(f, gy);
  REQUIRE(want.out.blocked);
  // y: the same kernel on the same blocked values, then + b and relu. The tail's sums over
  // 40 x 196 positions run in another order (its weight's per chunk of the stack's plan, its
  // bias's per image then position).
  check_fused_against_composed<float>({got.out.y, got.g.x, weight_grads(got.g)},
                                      {want.out.y, want.g.x, weight_grads(want.g)},
                                      "tail w, b, stem w, b, then each block's");
}

TEST_CASE("float residual_stack with a tail gives identical bits on 1 and 2 threads", "[residual_block]") {
  const auto f = tail_stack<float>(40, 32, 217);
  const auto gy = random_tensor<float>({40, 32, 14, 14}, 219);
  const auto r = on_one_and_two_threads([&] { return forward_backward(f, gy); });
  CHECK(r[0].out.tail_fused);
  check_same_bits<float>({r[0].out.y, r[0].g.x, weight_grads(r[0].g)},
                                      {r[1].out.y, r[1].g.x, weight_grads(r[1].g)});
}

// The same stack and tail, then the VQ-VAE decoder's last deconv c_tail -> 1 (4x4 / 2,
// padding 1, no relu): 14x14 -> 28x28.
namespace {

template <class T>
struct LastStack : TailStack<T> {  // the tail stack's x, weights() and tail, then the last
  Tensor<T> lw, lb;
  const TailStack<T>& tail() const { return *this; }
  ResidualStem<T> stem() const {
    ResidualStem<T> s = tail().stem();
    s.last_w = &lw, s.last_b = &lb, s.last_p = this->tp;
    return s;
  }
};

template <class T>
LastStack<T> last_stack(Index n, Index c_tail, unsigned seed) {
  return {tail_stack<T>(n, c_tail, seed), random_tensor<T>({c_tail, 1, 4, 4}, seed + 20, -0.2, 0.2),
          random_tensor<T>({1}, seed + 21, -0.1, 0.1)};
}

LastStack<double> to_double(const LastStack<float>& f) { return {to_double(f.tail()), to_double(f.lw), to_double(f.lb)}; }

// Every gradient but x's: the last's, then weight_grads' order.
template <class T>
std::vector<Tensor<T>> last_grads(const ResidualStackGrads<T>& g) {
  std::vector<Tensor<T>> all{g.last[0], g.last[1]};
  for (auto& t : weight_grads(g)) all.push_back(std::move(t));
  return all;
}

// The stack with its tail (fused when it can be), then the last by core's conv_transpose2d.
template <class T>
StackPass<T> composed(const LastStack<T>& l, const Tensor<T>& gy) {
  StackPass<T> r{residual_stack(l.x, l.weights(), true, l.tail().stem()), {}};
  const Tensor<T> y = conv_transpose2d(r.out.y, l.lw, l.lb, l.tp);
  ConvGrads<T> gd = conv_transpose2d_backward(gy, r.out.y, l.lw, l.tp, true, true);
  r.g = residual_stack_backward(gd.x, l.x, l.weights(), true, r.out, l.tail().stem());
  r.g.last = {std::move(gd.w), sum(sum(gy, {0}), {1, 2})};
  r.out.y = y;
  return r;
}

}  // namespace

TEST_CASE("float residual_stack with a last deconv runs it fused and matches the double path", "[residual_block]") {
  struct Case {
    Index n, c_tail;
    bool fused;
  };
  // 19 images (one chunk); 33 (17 then 16, the last chunk with its own plan); a tail of 8
  // channels: tail and last composed after the fused stack.
  for (const Case c : {Case{19, 32, true}, Case{33, 32, true}, Case{3, 8, false}}) {
    INFO(c.n << " images, tail 64 -> " << c.c_tail << " -> 1");
    const auto f = last_stack<float>(c.n, c.c_tail, 231);
    const auto gy = random_tensor<float>({c.n, 1, 28, 28}, 233);
    const auto got = forward_backward(f, gy);
    CHECK(got.out.last_fused == c.fused);
    CHECK(got.out.tail_fused == c.fused);
    CHECK(got.out.blocked);
    CHECK(got.out.last_in.defined() != c.fused);  // fused, the tail's NCHW output is not kept
    const auto want = forward_backward(to_double(f), to_double(gy));
    CHECK_FALSE(want.out.last_fused);
    REQUIRE(got.out.y.shape() == Shape{c.n, 1, 28, 28});
    check_near_double({got.out.y, got.g.x, last_grads(got.g)}, {want.out.y, want.g.x, last_grads(want.g)},
                                   "last w, b, tail w, b, stem w, b, then each block's");
  }
}

TEST_CASE("double residual_stack with a last deconv is the stack with its tail, then conv_transpose2d, bit for bit",
          "[residual_block]") {
  const auto d = last_stack<double>(5, 32, 237);
  const auto gy = random_tensor<double>({5, 1, 28, 28}, 239);
  const auto got = forward_backward(d, gy);
  const auto want = composed(d, gy);
  CHECK(equal(got.out.y, want.out.y));
  CHECK(equal(got.g.x, want.g.x));
  const auto a = last_grads(got.g), b = last_grads(want.g);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(equal(a[i], b[i]));
}

TEST_CASE("a fused last deconv gives the stack, tail and last composed in float", "[residual_block]") {
  const auto f = last_stack<float>(40, 32, 241);
  const auto gy = random_tensor<float>({40, 1, 28, 28}, 243);
  const auto got = forward_backward(f, gy);
  REQUIRE(got.out.last_fused);
  const auto want = composed(f, gy);
  REQUIRE(want.out.tail_fused);
  // y: the same conv_transpose2d on the same NCHW values. The last's sums over 40 x 784
  // positions run per chunk, then over chunks.
  check_fused_against_composed<float>({got.out.y, got.g.x, last_grads(got.g)},
                                      {want.out.y, want.g.x, last_grads(want.g)},
                                      "last w, b, tail w, b, stem w, b, then each block's");
}

TEST_CASE("float residual_stack with a last deconv gives identical bits on 1 and 2 threads", "[residual_block]") {
  const auto f = last_stack<float>(40, 32, 247);
  const auto gy = random_tensor<float>({40, 1, 28, 28}, 249);
  const auto r = on_one_and_two_threads([&] { return forward_backward(f, gy); });
  CHECK(r[0].out.last_fused);
  check_same_bits<float>({r[0].out.y, r[0].g.x, last_grads(r[0].g)},
                                      {r[1].out.y, r[1].g.x, last_grads(r[1].g)});
}

TEST_CASE("residual_stack names a tail or last deconvolution whose weight and bias do not fit", "[residual_block]") {
  const auto f = tail_stack<float>(2, 32, 301);
  ResidualStem<float> s = f.stem();
  const Tensor<float> short_bias = random_tensor<float>({31}, 303);
  s.tail_b = &short_bias;
  CHECK_THROWS_WITH(residual_stack(f.x, f.weights(), true, s),
                    Catch::Contains("the tail's weight (64, 32, 4, 4) and bias (31) are not conv_transpose2d's"));
  const Tensor<float> lw = random_tensor<float>({32, 1, 4, 4}, 305), lb = random_tensor<float>({1}, 307);
  s = f.stem(false);  // a last deconvolution without the tail before it
  s.last_w = &lw, s.last_b = &lb;
  CHECK_THROWS_WITH(residual_stack(f.x, f.weights(), true, s),
                    Catch::Contains("the last deconvolution (after a tail)'s weight (32, 1, 4, 4)"));
  const auto d = to_double(f);  // the composed path checks the same
  ResidualStem<double> sd = d.stem(false);
  const Tensor<double> lwd = to_double(lw), lbd = to_double(lb);
  sd.last_w = &lwd, sd.last_b = &lbd;
  CHECK_THROWS_WITH(residual_stack(d.x, d.weights(), true, sd), Catch::Contains("the last deconvolution (after a tail)"));
}
