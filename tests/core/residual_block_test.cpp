#include "xgrad/core/residual_block.hpp"

#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"

using namespace xgrad::core;

namespace {

template <class T>
struct Block {
  Tensor<T> x, w3, b3, w1, b1;
};

// x (n, c, 7, 7) and a block of k hidden channels, values in [-1, 1] (weights scaled down
// so that the hidden activations are neither all positive nor all zero).
template <class T>
Block<T> block(Index n, Index c, Index k, unsigned seed) {
  using xgrad::test::random_tensor;
  return {random_tensor<T>({n, c, 7, 7}, seed), random_tensor<T>({k, c, 3, 3}, seed + 1, -0.1, 0.1),
          random_tensor<T>({k}, seed + 2, -0.1, 0.1), random_tensor<T>({c, k, 1, 1}, seed + 3, -0.2, 0.2),
          random_tensor<T>({c}, seed + 4, -0.1, 0.1)};
}

template <class T>
Tensor<double> to_double(const Tensor<T>& t) {
  Tensor<double> d(t.shape());
  for (Index i = 0; i < t.numel(); ++i) d.data()[i] = t.data()[i];
  return d;
}

Block<double> to_double(const Block<float>& b) {
  return {to_double(b.x), to_double(b.w3), to_double(b.b3), to_double(b.w1), to_double(b.b1)};
}

template <class T>
ResidualBlockGrads<T> grads(const Block<T>& b, const Tensor<T>& gy) {
  return residual_block_backward(gy, b.x, b.w3, b.w1, residual_block(b.x, b.w3, b.b3, b.w1, b.b1));
}

struct Threads {  // restores the default thread count when a test ends
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(0); }
};

}  // namespace

TEST_CASE("float residual_block runs on oneDNN when its channels are multiples of 16", "[residual_block]") {
  const auto b = block<float>(3, 64, 32, 1);
  CHECK(residual_block(b.x, b.w3, b.b3, b.w1, b.b1).blocked);
  const auto odd = block<float>(3, 5, 3, 1);
  CHECK_FALSE(residual_block(odd.x, odd.w3, odd.b3, odd.w1, odd.b1).blocked);
  const auto d = block<double>(3, 64, 32, 1);
  CHECK_FALSE(residual_block(d.x, d.w3, d.b3, d.w1, d.b1).blocked);
}

TEST_CASE("double residual_block is conv2d and relu composed, bit for bit", "[residual_block]") {
  const auto b = block<double>(2, 4, 3, 7);
  const Conv2dParams pad1{{1, 1}, {1, 1}, {1, 1}};
  const Tensor<double> h = relu(conv2d(relu(b.x), b.w3, b.b3, pad1));
  const Tensor<double> want = add(b.x, conv2d(h, b.w1, b.b1, Conv2dParams{}));
  const auto out = residual_block(b.x, b.w3, b.b3, b.w1, b.b1);
  CHECK(equal(out.y, want));
  CHECK(equal(out.hidden, h));
}

TEST_CASE("float residual_block and its gradients match the double path", "[residual_block]") {
  // 19 and 40 images: chunks of unequal size; 5 channels: float's composed path.
  for (auto [n, c, k] : {std::array<Index, 3>{19, 64, 32}, {40, 32, 16}, {3, 5, 3}}) {
    INFO(n << " images, " << c << " channels, " << k << " hidden");
    const auto b = block<float>(n, c, k, 11);
    const auto d = to_double(b);
    const auto gy = xgrad::test::random_tensor<float>(b.x.shape(), 17);
    xgrad::test::check_close(to_double(residual_block(b.x, b.w3, b.b3, b.w1, b.b1).y),
                             residual_block(d.x, d.w3, d.b3, d.w1, d.b1).y, 1e-4, 1e-4);
    const auto g = grads(b, gy);
    const auto want = grads(d, to_double(gy));
    xgrad::test::check_close(to_double(g.x), want.x, 1e-4, 1e-4);
    xgrad::test::check_close(to_double(g.w3), want.w3, 1e-4, 1e-4);
    xgrad::test::check_close(to_double(g.b3), want.b3, 1e-4, 1e-4);
    xgrad::test::check_close(to_double(g.w1), want.w1, 1e-4, 1e-4);
    xgrad::test::check_close(to_double(g.b1), want.b1, 1e-4, 1e-4);
  }
}

TEST_CASE("float residual_block and its gradients give identical bits on 1 and 2 threads", "[residual_block]") {
  const auto b = block<float>(40, 64, 32, 23);
  const auto gy = xgrad::test::random_tensor<float>(b.x.shape(), 29);
  Tensor<float> y[2];
  ResidualBlockGrads<float> g[2];
  for (int i : {0, 1}) {
    Threads threads(i + 1);
    y[i] = residual_block(b.x, b.w3, b.b3, b.w1, b.b1).y;
    g[i] = grads(b, gy);
  }
  CHECK(equal(y[0], y[1]));
  CHECK(equal(g[0].x, g[1].x));
  CHECK(equal(g[0].w3, g[1].w3));
  CHECK(equal(g[0].b3, g[1].b3));
  CHECK(equal(g[0].w1, g[1].w1));
  CHECK(equal(g[0].b1, g[1].b1));
}

TEST_CASE("residual_block names weights that do not fit", "[residual_block]") {
  const auto b = block<float>(2, 4, 3, 31);
  CHECK_THROWS_WITH(residual_block(b.x, b.w1, b.b3, b.w1, b.b1), Catch::Contains("w3 (K, C, 3, 3)"));
}
