// The shared adversarial objective: the critic's BCE on real draws and codes, the
// three generator losses, and the instance-noise schedule.
#include <catch2/catch.hpp>

#include <cmath>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/adversarial.hpp"
#include "xgrad/nn/layers/linear.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {
/// A critic whose logit is the first coordinate: l(z) = z_0.
std::shared_ptr<nn::Linear> first_coordinate(core::Generator& gen) {
  auto fc = nn::make<nn::Linear>(nn::LinearOptions{2, 1}, gen);
  fc->named_parameters()[0].second.value_mut() = nn::Tensor(core::Shape{1, 2}, {1.f, 0.f});
  fc->named_parameters()[1].second.value_mut() = nn::Tensor(core::Shape{1}, {0.f});
  return fc;
}
double softplus(double x) { return std::log1p(std::exp(x)); }
}  // namespace

TEST_CASE("the critic's loss is BCE of real draws against the real label plus codes against 0", "[adversarial]") {
  core::Generator gen(1);
  auto critic = first_coordinate(gen);
  const Var real(nn::Tensor(core::Shape{2, 2}, {1.f, 5.f, -2.f, 5.f}));
  const Var codes(nn::Tensor(core::Shape{2, 2}, {0.5f, 9.f, 3.f, 9.f}));
  const AdversarialLoss plain;
  // BCE(l, 1) = softplus(-l), BCE(l, 0) = softplus(l); batch means.
  const double want = (softplus(-1) + softplus(2)) / 2 + (softplus(0.5) + softplus(3)) / 2;
  CHECK(plain.critic_loss(*critic, real, codes, 0, gen).item() == Approx(want).epsilon(1e-6));
  const AdversarialLoss smoothed({.real_label = 0.9});
  const double want_smooth = (0.9 * softplus(-1) + 0.1 * softplus(1) + 0.9 * softplus(2) + 0.1 * softplus(-2)) / 2 +
                             (softplus(0.5) + softplus(3)) / 2;
  CHECK(smoothed.critic_loss(*critic, real, codes, 0, gen).item() == Approx(want_smooth).epsilon(1e-6));
  // The codes are detached: only the critic gets a gradient from it.
  const Var trainable(nn::Tensor(core::Shape{2, 2}, {0.5f, 9.f, 3.f, 9.f}), true);
  plain.critic_loss(*critic, real, trainable, 0, gen).backward();
  CHECK_FALSE(trainable.grad().defined());
}

TEST_CASE("the generator losses of the codes' logits", "[adversarial]") {
  core::Generator gen(2);
  auto critic = first_coordinate(gen);
  const Var codes(nn::Tensor(core::Shape{2, 2}, {0.5f, 0.f, -1.f, 0.f}));
  CHECK(AdversarialLoss({.generator_loss = GeneratorLoss::NonSaturating}).generator_loss(*critic, codes, 0, gen).item() ==
        Approx((softplus(-0.5) + softplus(1)) / 2).epsilon(1e-6));
  CHECK(AdversarialLoss({.generator_loss = GeneratorLoss::Minimax}).generator_loss(*critic, codes, 0, gen).item() ==
        Approx(-(softplus(0.5) + softplus(-1)) / 2).epsilon(1e-6));
  CHECK(AdversarialLoss({.generator_loss = GeneratorLoss::Logit}).generator_loss(*critic, codes, 0, gen).item() ==
        Approx(0.25).epsilon(1e-6));
}

TEST_CASE("instance noise falls linearly to its floor and is refused when negative", "[adversarial]") {
  const AdversarialLoss a({.instance_noise = 1.0, .instance_noise_floor = 0.2, .instance_noise_decay_steps = 10});
  CHECK(a.noise_std(0) == 1.0);
  CHECK(a.noise_std(5) == Approx(0.6));
  CHECK(a.noise_std(50) == Approx(0.2));
  CHECK(AdversarialLoss().noise_std(3) == 0);
  CHECK_THROWS_AS(AdversarialLoss({.instance_noise = -1}), core::ValueError);
  CHECK_THROWS_AS(AdversarialLoss({.real_label = 0}), core::ValueError);
}
