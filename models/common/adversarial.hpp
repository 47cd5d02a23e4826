#pragma once
// The adversarial objective as an object, for any model that matches a code
// distribution to a target through a critic (the AAE's prior; FactorVAE's
// permuted codes): the critic's loss (target draws are "real", codes are "fake"),
// the generator's loss on the codes, and instance noise on both (Sønderby et al.
// 2017) that may decay with the training step.
#include <cstdint>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::models {

using nn::Index;
using nn::Var;

/// NonSaturating: -log D(z), the usual GAN choice (strong gradients while D rejects the codes).
/// Minimax: log(1 - D(z)), Goodfellow et al.'s (2014) original, whose gradient fades as D
/// rejects the codes. Logit: -l, the hinge-GAN generator loss (Lim & Ye 2017), the two
/// averaged: a constant pull whatever D says. Measured in docs/results/models-experiments.md.
enum class GeneratorLoss { NonSaturating, Minimax, Logit };

struct AdversarialOptions {
  /// The critic's target for the "real" draws (codes keep 0): < 1 is one-sided label
  /// smoothing (Salimans et al. 2016).
  double real_label = 1.0;
  GeneratorLoss generator_loss = GeneratorLoss::Logit;
  /// N(0, sigma^2) added to both sides before the critic sees them; sigma falls linearly
  /// from `instance_noise` to `instance_noise_floor` over `instance_noise_decay_steps`
  /// training steps (0: constant). 0 turns it off.
  double instance_noise = 0;
  double instance_noise_floor = 0;
  Index instance_noise_decay_steps = 0;
};

class AdversarialLoss {
 public:
  explicit AdversarialLoss(const AdversarialOptions& options = {});

  /// The instance noise's standard deviation at training step `step`.
  double noise_std(std::int64_t step) const;
  /// z plus the instance noise at `step` (z itself when it is off), still differentiable in z.
  Var with_noise(const Var& z, std::int64_t step, core::Generator& gen) const;
  /// BCE(critic(real), real_label) + BCE(critic(codes), 0), batch means; the codes are
  /// detached (only the critic learns from it). Noise is drawn for `real`, then `codes`.
  Var critic_loss(nn::Layer& critic, const Var& real, const Var& codes, std::int64_t step, core::Generator& gen) const;
  /// The generator's loss on the codes' logits (freeze the critic around it: nn::FrozenParameters).
  Var generator_loss(nn::Layer& critic, const Var& codes, std::int64_t step, core::Generator& gen) const;

  const AdversarialOptions options;
};

}  // namespace xgrad::models
