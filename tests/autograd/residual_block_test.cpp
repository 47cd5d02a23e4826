// residual_stack is one node for residual blocks x + conv2d(relu(conv2d(relu(x), w3, b3,
// padding 1)), w1, b1) in turn, and the relu after them: the same value and the same
// gradients of every input as the ops composed, bit for bit in double (core composes the
// same kernels) and to float's precision in float (there oneDNN runs the stack chunk by
// chunk in its blocked layout).
#include <catch2/catch.hpp>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Index;
using core::Shape;
using core::Tensor;

namespace {

// Value and gradients (x first, then each parameter) of sum(f(leaves) * weights).
template <class T, class F>
std::vector<Tensor<T>> run(const F& f, const std::vector<Tensor<T>>& in, const Tensor<T>& weights) {
  std::vector<Variable<T>> v;
  for (const auto& t : in) v.emplace_back(t, true);
  const Variable<T> y = f(v);
  autograd::sum(autograd::mul(y, Variable<T>(weights))).backward();
  std::vector<Tensor<T>> out{y.value()};
  for (const auto& leaf : v) out.push_back(leaf.grad());
  return out;
}

template <class T>
Variable<T> composed(const std::vector<Variable<T>>& v, bool relu_after, std::size_t first = 1,
                     const core::Conv2dParams& stem = {}) {
  const core::Conv2dParams pad1{{1, 1}, {1, 1}, {1, 1}};
  Variable<T> y = first == 3 ? autograd::conv2d(v[0], v[1], v[2], stem) : v[0];
  for (std::size_t i = first; i + 3 < v.size(); i += 4) {
    const auto h = autograd::relu(autograd::conv2d(autograd::relu(y), v[i], v[i + 1], pad1));
    y = autograd::add(y, autograd::conv2d(h, v[i + 2], v[i + 3], core::Conv2dParams{}));
  }
  return relu_after ? autograd::relu(y) : y;
}

template <class T>
void check_against_composition(Index n, Index c, Index k, int blocks, bool relu_after, double tol) {
  INFO(n << " images, " << c << " channels, " << k << " hidden, " << blocks << " blocks, relu " << relu_after);
  core::Generator gen(5);
  std::vector<Tensor<T>> in{core::uniform<T>({n, c, 7, 7}, T(-1), T(1), gen)};
  for (int b = 0; b < blocks; ++b) {
    in.push_back(core::uniform<T>({k, c, 3, 3}, T(-0.1), T(0.1), gen));
    in.push_back(core::uniform<T>({k}, T(-0.1), T(0.1), gen));
    in.push_back(core::uniform<T>({c, k, 1, 1}, T(-0.2), T(0.2), gen));
    in.push_back(core::uniform<T>({c}, T(-0.1), T(0.1), gen));
  }
  const Tensor<T> weights = core::uniform<T>({n, c, 7, 7}, T(-1), T(1), gen);
  const auto fused = run([&](const auto& v) {
    return autograd::residual_stack(v[0], std::vector<Variable<T>>(v.begin() + 1, v.end()), relu_after);
  }, in, weights);
  const auto want = run([&](const auto& v) { return composed(v, relu_after); }, in, weights);
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("output " << i << " (the value, then the gradients of x and of each block's w3, b3, w1, b1)");
    if (tol == 0)
      CHECK(core::equal(fused[i], want[i]));
    else
      CHECK(core::allclose(fused[i], want[i], tol, tol));
  }
}

}  // namespace

TEST_CASE("residual_stack in double is the composition of its ops, bit for bit", "[residual_block]") {
  check_against_composition<double>(3, 16, 16, 1, false, 0);
  check_against_composition<double>(2, 4, 3, 2, true, 0);
}

// The encoder's stem before two blocks and the relu: x (n, 32, 14, 14), conv 4x4 / 2 to 64.
template <class T>
void check_stem_against_composition(Index c_in, double tol) {
  core::Generator gen(9);
  const core::Conv2dParams p{{2, 2}, {1, 1}, {1, 1}};
  std::vector<Tensor<T>> in{core::uniform<T>({5, c_in, 14, 14}, T(-1), T(1), gen),
                            core::uniform<T>({64, c_in, 4, 4}, T(-0.1), T(0.1), gen),
                            core::uniform<T>({64}, T(-0.1), T(0.1), gen)};
  for (int b = 0; b < 2; ++b) {
    in.push_back(core::uniform<T>({32, 64, 3, 3}, T(-0.1), T(0.1), gen));
    in.push_back(core::uniform<T>({32}, T(-0.1), T(0.1), gen));
    in.push_back(core::uniform<T>({64, 32, 1, 1}, T(-0.2), T(0.2), gen));
    in.push_back(core::uniform<T>({64}, T(-0.1), T(0.1), gen));
  }
  const Tensor<T> weights = core::uniform<T>({5, 64, 7, 7}, T(-1), T(1), gen);
  const auto fused = run([&](const auto& v) {
    return autograd::residual_stack(v[0], std::vector<Variable<T>>(v.begin() + 3, v.end()), true, {v[1], v[2]}, p);
  }, in, weights);
  const auto want = run([&](const auto& v) { return composed(v, true, 3, p); }, in, weights);
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("output " << i << " (the value, then the gradients of x, the stem's w, b, and each block's)");
    if (tol == 0)
      CHECK(core::equal(fused[i], want[i]));
    else
      CHECK(core::allclose(fused[i], want[i], tol, tol));
  }
}

TEST_CASE("residual_stack with a stem conv is the stem and the blocks composed", "[residual_block]") {
  check_stem_against_composition<double>(32, 0);
  check_stem_against_composition<float>(32, 1e-4);  // the stem fused
  check_stem_against_composition<float>(5, 1e-4);   // the stem by conv2d, the blocks fused
}

TEST_CASE("residual_stack in float matches the composition of its ops", "[residual_block]") {
  check_against_composition<float>(19, 64, 32, 2, true, 1e-4);  // oneDNN's blocked path
  check_against_composition<float>(19, 64, 32, 1, false, 1e-4);
  check_against_composition<float>(2, 4, 3, 2, true, 1e-5);  // composed
}
