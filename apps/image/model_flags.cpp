#include "image/model_flags.hpp"

namespace xgrad::apps {

void ModelFlags::add(CLI::App& cmd, bool all) {
  flag(cmd, "--latent", "latent", latent_, "Latent dimensions (default: the model's; aae 8, others 20)");
  if (!all) return;
  flag(cmd, "--codes", "codes", codes_, "vq-vae: codebook entries K (default 128)");
  flag(cmd, "--dim", "dim", dim_, "vq-vae: size D of each code vector (default 64)");
  flag(cmd, "--lr", "lr", lr_, "Learning rate (default 1e-3)");
  flag(cmd, "--beta", "beta", beta_, "beta-VAE: KL weight (default 4)");
  flag(cmd, "--capacity", "capacity", capacity_, "beta-VAE: target KL capacity in nats (0 = off)");
  flag(cmd, "--iwae-k", "iwae_k", iwae_k_, "Train on the K-sample importance-weighted bound (IWAE) instead of the ELBO (1 = ELBO)");
  flag(cmd, "--kl-schedule", "kl_schedule", kl_schedule_,
       "KL schedule: constant:W, linear:N[:W], cyclical:M:R:T[:W], capacity:C:N:G [,free-bits:L]");
}

models::ModelOptions ModelFlags::options() const {
  models::ModelOptions o;
  for (const auto& [opt, set] : flags_)
    if (opt->count() > 0) set(o);
  return o;
}

}  // namespace xgrad::apps
