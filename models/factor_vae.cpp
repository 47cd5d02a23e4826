#include "xgrad/models/factor_vae.hpp"

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/models/common/total_correlation.hpp"
#include "xgrad/nn/layers/mlp.hpp"
#include "xgrad/nn/train/frozen.hpp"

namespace xgrad::models {

namespace {

std::vector<Index> critic_sizes(Index latent, const std::vector<Index>& hidden) {
  std::vector<Index> s{latent};
  s.insert(s.end(), hidden.begin(), hidden.end());
  s.push_back(1);
  return s;
}

}  // namespace

FactorVae::FactorVae(const FactorVaeOptions& o, core::Generator& gen) : Vae(o.vae, gen), factor_options(o) {
  if (!(o.gamma >= 0)) throw core::ValueError("FactorVae: gamma must be >= 0");
  discriminator = register_module(
      "discriminator", nn::make<nn::MLP>(nn::MLPOptions{.sizes = critic_sizes(o.vae.latent, o.disc_hidden),
                                                        .activation = nn::Activation::LeakyReLU}, gen));
}

std::vector<Var> FactorVae::vae_parameters() const {
  std::vector<Var> ps;
  for (const auto* m : std::initializer_list<const nn::Module*>{encoder.get(), head.get(), decoder.get(), out.get()})
    for (const Var& p : m->parameters()) ps.push_back(p);
  return ps;
}

std::vector<nn::OptimizerSpec> FactorVae::optimizer_specs(const nn::OptimizerOptions& o) {
  return {{"vae", {{vae_parameters(), o.lr}}, o},
          {"disc", {{discriminator->parameters(), factor_options.disc_optim.lr}}, factor_options.disc_optim}};
}

StepStats FactorVae::train_step(const Batch& batch, nn::StepContext& ctx) {
  train();
  const Latents l = latents(batch, ctx.gen);
  const ElboTerms t = elbo(*likelihood_of(l, batch), target(batch), l, objective_.at(ctx.step));
  const Var z = l.front().z;
  StepStats stats = t.step_stats();
  {
    const nn::FrozenParameters frozen(*discriminator);
    const Var tc = adversarial_.generator_loss(*discriminator, z, ctx.step, ctx.gen);
    stats.extra["tc"] = tc.item();
    stats.loss = ctx.minimize(t.loss + autograd::mul(tc, static_cast<float>(factor_options.gamma)), "vae");
  }
  const Var codes = z.detach();
  // The permutation shuffles each dimension across the whole batch, as one process does;
  // in a data-parallel run each rank then scores its own rows of it.
  const Var shuffled(ctx.own_rows(permute_dims(Var(ctx.whole_batch(codes.value())), ctx.gen).value()));
  stats.extra["disc_loss"] =
      ctx.minimize(adversarial_.critic_loss(*discriminator, shuffled, codes, ctx.step, ctx.gen), "disc");
  return stats;
}

}  // namespace xgrad::models
