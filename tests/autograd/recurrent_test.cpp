// The fused GRU cell against the same update composed of primitive ops.
#include <catch2/catch.hpp>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_recurrent.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad;
namespace ag = xgrad::autograd;
using V = ag::Variable<float>;

namespace {

V composed_gru(const V& gi, const V& gh, const V& h) {
  const core::Index H = h.size(-1);
  const auto i = ag::split(gi, {H, H, H}, 1);
  const auto g = ag::split(gh, {H, H, H}, 1);
  const V r = ag::sigmoid(ag::add(i[0], g[0]));
  const V z = ag::sigmoid(ag::add(i[1], g[1]));
  const V n = ag::tanh(ag::add(i[2], ag::mul(r, g[2])));
  return ag::add(ag::mul(ag::rsub(1.f, z), n), ag::mul(z, h));
}

struct Grads {
  core::Tensor<float> y, gi, gh, h;
};

Grads run(bool fused, core::Index rows, core::Index hidden) {
  core::Generator gen(3);
  V gi(core::normal<float>({rows, 3 * hidden}, 0.f, 2.f, gen), true);
  V gh(core::normal<float>({rows, 3 * hidden}, 0.f, 2.f, gen), true);
  V h(core::normal<float>({rows, hidden}, 0.f, 1.f, gen), true);
  const V w(core::normal<float>({rows, hidden}, 0.f, 1.f, gen));
  const V y = fused ? ag::gru_cell(gi, gh, h) : composed_gru(gi, gh, h);
  ag::sum(ag::mul(y, w)).backward();
  return {y.value(), gi.grad(), gh.grad(), h.grad()};
}

}  // namespace

TEST_CASE("gru_cell matches the update composed of primitive ops, value and gradients", "[recurrent]") {
  for (core::Index hidden : {5, 16, 37}) {  // inside, exactly and across SIMD batches of floats
    INFO("hidden " << hidden);
    const Grads a = run(true, 7, hidden), b = run(false, 7, hidden);
    CHECK(core::allclose(a.y, b.y, 1e-5, 1e-6));
    CHECK(core::allclose(a.gi, b.gi, 1e-4, 1e-6));
    CHECK(core::allclose(a.gh, b.gh, 1e-4, 1e-6));
    CHECK(core::allclose(a.h, b.h, 1e-4, 1e-6));
  }
}

TEST_CASE("gru_cell refuses gate products that are not (B, 3H)", "[recurrent]") {
  const V gi(core::Tensor<float>::zeros({2, 9})), gh(core::Tensor<float>::zeros({2, 8})),
      h(core::Tensor<float>::zeros({2, 3}));
  CHECK_THROWS_AS(ag::gru_cell(gi, gh, h), core::ShapeError);
}
