// Each optimizer against torch.optim, step by step, on the fixed parameters and
// gradients of tests/fixtures/nn_optim.py (two groups with their own lr; at step 3
// the second parameter has no gradient, so it must neither move nor advance its
// own step count). On the AVX-512 machine the parameters agree with torch to the
// last bit (nn/optim/detail/fused.hpp, nn/CMakeLists.txt); the check asks for
// 1e-6 relative.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include "fixture.hpp"
#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/optim/rmsprop.hpp"
#include "xgrad/nn/optim/sgd.hpp"

using namespace xgrad::nn;

namespace {

constexpr int kSteps = 5;
constexpr double kLr0 = 0.1, kLr1 = 0.05;  // LR0, LR1 in nn_optim.py

Tensor fx(const std::string& name) { return xgrad::test::fixture<float>("nn_optim.json", name); }
bool has_fx(const std::string& name) { return xgrad::test::fixture_file("nn_optim.json").contains(name); }

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

// Largest |a - b| / |b| (b = PyTorch's value), to report alongside a failure.
double max_rel_error(const Tensor& a, const Tensor& b) {
  double worst = 0;
  for (Index i = 0; i < a.numel(); ++i)
    worst = std::max(worst, std::abs(double(a.data()[i]) - b.data()[i]) / std::max(1e-30, std::abs(double(b.data()[i]))));
  return worst;
}

// Runs the fixture's five steps and compares the parameters after each with torch's.
void check_against_torch(const std::string& config, const MakeOptimizer& make) {
  Var p0(fx("init/p0"), true), p1(fx("init/p1"), true);
  auto opt = make({{{p0}, kLr0}, {{p1}, kLr1}});
  for (int k = 1; k <= kSteps; ++k) {
    for (auto [name, p] : {std::pair{"p0", p0}, std::pair{"p1", p1}}) {
      const std::string g = "grad/" + std::to_string(k) + "/" + name;
      if (has_fx(g))
        p.grad_mut() = fx(g);
      else
        p.zero_grad();
    }
    opt->step();
    for (auto [name, p] : {std::pair{"p0", p0}, std::pair{"p1", p1}}) {
      const Tensor want = fx(config + "/" + std::to_string(k) + "/" + name);
      INFO(config << " step " << k << " " << name << ": max relative error " << max_rel_error(p.value(), want));
      CHECK(xgrad::core::allclose(p.value(), want, 1e-6, 0));
    }
  }
}

template <class O, class Options>
MakeOptimizer maker(Options options) {
  return [options](std::vector<ParamGroup> groups) { return std::make_unique<O>(std::move(groups), options); };
}

}  // namespace

TEST_CASE("SGD matches PyTorch step by step", "[optim]") { check_against_torch("sgd", maker<SGD>(SGDOptions{})); }

TEST_CASE("SGD with Nesterov momentum and weight decay matches PyTorch", "[optim]") {
  check_against_torch("sgd_nesterov", maker<SGD>(SGDOptions{.momentum = 0.9, .weight_decay = 0.1, .nesterov = true}));
}

TEST_CASE("SGD with dampened momentum matches PyTorch", "[optim]") {
  check_against_torch("sgd_dampening", maker<SGD>(SGDOptions{.momentum = 0.8, .dampening = 0.3}));
}

TEST_CASE("Adam matches PyTorch step by step", "[optim]") { check_against_torch("adam", maker<Adam>(AdamOptions{})); }

TEST_CASE("Adam with L2 weight decay matches PyTorch", "[optim]") {
  check_against_torch("adam_wd", maker<Adam>(AdamOptions{.weight_decay = 0.1}));
}

TEST_CASE("Adam with amsgrad matches PyTorch", "[optim]") {
  check_against_torch("adam_amsgrad", maker<Adam>(AdamOptions{.beta1 = 0.8, .beta2 = 0.9, .eps = 1e-6, .amsgrad = true}));
}

TEST_CASE("AdamW with decoupled weight decay matches PyTorch", "[optim]") {
  check_against_torch("adamw", maker<AdamW>(AdamWOptions{.weight_decay = 0.1}));
}

TEST_CASE("RMSprop matches PyTorch step by step", "[optim]") {
  check_against_torch("rmsprop", maker<RMSprop>(RMSpropOptions{}));
}

TEST_CASE("centered RMSprop with momentum and weight decay matches PyTorch", "[optim]") {
  check_against_torch("rmsprop_centered",
                      maker<RMSprop>(RMSpropOptions{.weight_decay = 0.1, .momentum = 0.9, .centered = true}));
}
