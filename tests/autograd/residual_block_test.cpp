// residual_block is one node for x + conv2d(relu(conv2d(relu(x), w3, b3, padding 1)), w1, b1):
// the same value and the same gradients of all five inputs as the five ops composed, bit
// for bit in double (core composes the same kernels) and to float's precision in float
// (there oneDNN runs the block chunk by chunk in its blocked layout).
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

template <class T>
using Values = std::array<Tensor<T>, 5>;  // x, w3, b3, w1, b1

// Value and gradients of sum(f(inputs) * weights) for fresh leaves of the given values.
template <class T, class F>
std::array<Tensor<T>, 6> run(const F& f, const Values<T>& in, const Tensor<T>& weights) {
  std::array<Variable<T>, 5> v;
  for (std::size_t i = 0; i < 5; ++i) v[i] = Variable<T>(in[i], true);
  const Variable<T> y = f(v);
  autograd::sum(autograd::mul(y, Variable<T>(weights))).backward();
  return {y.value(), v[0].grad(), v[1].grad(), v[2].grad(), v[3].grad(), v[4].grad()};
}

template <class T>
void check_against_composition(Index n, Index c, Index k, double tol) {
  core::Generator gen(5);
  const Values<T> in{core::uniform<T>({n, c, 7, 7}, T(-1), T(1), gen), core::uniform<T>({k, c, 3, 3}, T(-0.1), T(0.1), gen),
                     core::uniform<T>({k}, T(-0.1), T(0.1), gen), core::uniform<T>({c, k, 1, 1}, T(-0.2), T(0.2), gen),
                     core::uniform<T>({c}, T(-0.1), T(0.1), gen)};
  const Tensor<T> weights = core::uniform<T>({n, c, 7, 7}, T(-1), T(1), gen);
  const auto fused = run([](const auto& v) { return autograd::residual_block(v[0], v[1], v[2], v[3], v[4]); }, in,
                         weights);
  const auto composed = run([](const auto& v) {
    const core::Conv2dParams pad1{{1, 1}, {1, 1}, {1, 1}};
    const auto h = autograd::relu(autograd::conv2d(autograd::relu(v[0]), v[1], v[2], pad1));
    return autograd::add(v[0], autograd::conv2d(h, v[3], v[4], core::Conv2dParams{}));
  }, in, weights);
  for (std::size_t i = 0; i < 6; ++i) {
    INFO("output " << i << " (value, then the gradients of x, w3, b3, w1, b1)");
    if (tol == 0)
      CHECK(core::equal(fused[i], composed[i]));
    else
      CHECK(core::allclose(fused[i], composed[i], tol, tol));
  }
}

}  // namespace

TEST_CASE("residual_block in double is the composition of its five ops, bit for bit", "[residual_block]") {
  check_against_composition<double>(3, 16, 16, 0);
  check_against_composition<double>(2, 4, 3, 0);
}

TEST_CASE("residual_block in float matches the composition of its five ops", "[residual_block]") {
  check_against_composition<float>(19, 64, 32, 1e-4);  // oneDNN's blocked path
  check_against_composition<float>(2, 4, 3, 1e-5);     // composed
}
