// Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_
// (tests/fixtures/nn_optim.py): two gradients, and a third parameter without one.
#include <catch2/catch.hpp>

#include <limits>

#include "fixture.hpp"
#include "xgrad/nn/optim/clip.hpp"

using namespace xgrad::nn;

namespace {

Tensor fx(const std::string& name) { return xgrad::test::fixture<float>("nn_optim.json", name); }

std::vector<Var> with_fixture_grads() {
  std::vector<Var> ps;
  for (int i = 0; i < 2; ++i) {
    Tensor g = fx("clip/grad" + std::to_string(i));
    ps.emplace_back(Tensor::zeros(g.shape()), true);
    ps.back().grad_mut() = std::move(g);
  }
  ps.emplace_back(Tensor::zeros({2}), true);  // no gradient: skipped
  return ps;
}

void check_norm_clip(const std::string& label, double norm_type) {
  for (const char* max : {"1", "100"}) {
    auto ps = with_fixture_grads();
    const std::string prefix = "clip/norm_" + label + "/max_" + max + "/";
    const double total = clip_grad_norm_(ps, std::stod(max), norm_type);
    INFO(prefix);
    CHECK(total == Approx(fx(prefix + "total").item()).epsilon(1e-6));
    for (int i = 0; i < 2; ++i) CHECK(xgrad::core::allclose(ps[i].grad(), fx(prefix + "grad" + std::to_string(i)), 1e-6, 0));
    CHECK_FALSE(ps[2].grad().defined());
  }
}

}  // namespace

TEST_CASE("clip_grad_norm_ with the 2-norm matches PyTorch", "[optim]") { check_norm_clip("2", 2); }

TEST_CASE("clip_grad_norm_ with the 1-norm matches PyTorch", "[optim]") { check_norm_clip("1", 1); }

TEST_CASE("clip_grad_norm_ with the max norm matches PyTorch", "[optim]") {
  check_norm_clip("inf", std::numeric_limits<double>::infinity());
}

TEST_CASE("clip_grad_norm_ with a 3-norm matches PyTorch", "[optim]") { check_norm_clip("3", 3); }

TEST_CASE("clip_grad_norm_ leaves gradients under the limit bit-identical", "[optim]") {
  auto ps = with_fixture_grads();
  clip_grad_norm_(ps, 100);
  CHECK(xgrad::core::equal(ps[0].grad(), fx("clip/grad0")));
}

TEST_CASE("clip_grad_norm_ over a large gradient agrees with a double-precision sum", "[optim]") {
  Var p(Tensor::zeros({100003}), true);
  Tensor g({100003});
  double sum = 0;
  for (Index i = 0; i < g.numel(); ++i) {
    g.data()[i] = float(i % 13) * 0.01f - 0.05f;
    sum += double(g.data()[i]) * g.data()[i];
  }
  p.grad_mut() = g;
  CHECK(clip_grad_norm_({p}, 1e9) == Approx(std::sqrt(sum)).epsilon(1e-12));
}

TEST_CASE("clip_grad_value_ matches PyTorch", "[optim]") {
  auto ps = with_fixture_grads();
  clip_grad_value_(ps, 0.5);
  for (int i = 0; i < 2; ++i) CHECK(xgrad::core::equal(ps[i].grad(), fx("clip/value_0.5/grad" + std::to_string(i))));
  CHECK_FALSE(ps[2].grad().defined());
}

TEST_CASE("clipping refuses a negative limit or a non-positive norm type", "[optim]") {
  auto ps = with_fixture_grads();
  CHECK_THROWS_AS(clip_grad_norm_(ps, -1), xgrad::core::ValueError);
  CHECK_THROWS_AS(clip_grad_norm_(ps, 1, 0), xgrad::core::ValueError);
  CHECK_THROWS_AS(clip_grad_value_(ps, -0.5), xgrad::core::ValueError);
}
