#include "xgrad/models/common/adversarial.hpp"

#include <algorithm>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/nn/distributions/normal.hpp"
#include "xgrad/nn/losses.hpp"

namespace xgrad::models {

namespace {
nn::Tensor full_rows(Index n, float value) { return nn::Tensor::full(core::Shape{n, 1}, value); }
}  // namespace

AdversarialLoss::AdversarialLoss(const AdversarialOptions& o) : options(o) {
  if (o.instance_noise < 0 || o.instance_noise_floor < 0 || o.instance_noise_decay_steps < 0)
    throw core::ValueError("adversarial loss: instance noise and its decay must be >= 0");
  if (o.real_label <= 0 || o.real_label > 1) throw core::ValueError("adversarial loss: the real label must be in (0, 1]");
}

double AdversarialLoss::noise_std(std::int64_t step) const {
  const double start = options.instance_noise, floor = options.instance_noise_floor;
  if (start == 0) return 0;
  const Index decay = options.instance_noise_decay_steps;
  if (decay == 0) return start;
  const double progress = std::min(1.0, static_cast<double>(step) / static_cast<double>(decay));
  return start + (floor - start) * progress;
}

Var AdversarialLoss::with_noise(const Var& z, std::int64_t step, core::Generator& gen) const {
  const double sigma = noise_std(step);
  if (sigma == 0) return z;
  const nn::Tensor noise = nn::Normal<float>::standard(core::Shape{z.size(0), z.size(1)}).sample(gen);
  return z + Var(noise * static_cast<float>(sigma));
}

Var AdversarialLoss::critic_loss(nn::Layer& critic, const Var& real, const Var& codes, std::int64_t step,
                                 core::Generator& gen) const {
  const Index n = codes.size(0);
  const Var noisy_real = with_noise(real, step, gen);
  return nn::bce_with_logits(critic.forward(noisy_real), full_rows(real.size(0), static_cast<float>(options.real_label))) +
         nn::bce_with_logits(critic.forward(with_noise(codes.detach(), step, gen)), full_rows(n, 0.0f));
}

Var AdversarialLoss::generator_loss(nn::Layer& critic, const Var& codes, std::int64_t step, core::Generator& gen) const {
  const Var logits = critic.forward(with_noise(codes, step, gen));
  const Index n = codes.size(0);
  switch (options.generator_loss) {
    case GeneratorLoss::NonSaturating: return nn::bce_with_logits(logits, full_rows(n, 1.0f));  // -log D
    case GeneratorLoss::Minimax: return -nn::bce_with_logits(logits, full_rows(n, 0.0f));      // log(1 - D)
    case GeneratorLoss::Logit: break;
  }
  return -autograd::mean(logits);
}

}  // namespace xgrad::models
