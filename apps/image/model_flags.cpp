#include "image/model_flags.hpp"

#include "common/model_factory.hpp"

namespace xgrad::apps {

void ModelFlags::add(CLI::App& cmd, bool all) {
  const KindFilter image = [](const models::ModelCapabilities& c) { return c.image; };
  flag(cmd, "--latent", "latent", latent_,
       "Latent dimensions (" + defaults_help("latent", std::int64_t{20}, image) + ")");
  if (!all) return;
  flag(cmd, "--codes", "codes", codes_, "vq-vae: codebook entries K (default 128)");
  flag(cmd, "--dim", "dim", dim_, "vq-vae: size D of each code vector (default 64)");
  flag(cmd, "--width", "width", width_, "vq-vae: channels of the encoder's and decoder's convolutions (default 64)");
  flags_.emplace_back(cmd.add_flag("--ema", ema_, "vq-vae: EMA codebook updates (decay 0.99) instead of the codebook loss"),
                      [this](models::ModelOptions& o) { o["ema"] = ema_; });
  flag(cmd, "--prior", "prior", prior_,
       "vq-vae: the prior train-prior fits over the code grids, pixelcnn (gated masked convolutions) or transformer "
       "(causal, every earlier code in view; prior_channels is its width) (default pixelcnn)");
  flag(cmd, "--prior-width", "prior_channels", prior_width_,
       "vq-vae: the prior's channels (PixelCNN) or d_model (Transformer) (default 64)");
  flag(cmd, "--prior-layers", "prior_layers", prior_layers_, "vq-vae: the prior's layers (default 5)");
  flag(cmd, "--prior-heads", "prior_heads", prior_heads_,
       "vq-vae: the Transformer prior's attention heads, dividing --prior-width (default 4)");
  flag(cmd, "--prior-dropout", "prior_dropout", prior_dropout_,
       "vq-vae: the Transformer prior's dropout in training, in [0, 1) (default 0)");
  flag(cmd, "--latents", "latents", latents_, "hvae: latent sizes per layer, bottom first (default 32,16,8)");
  flag(cmd, "--lr", "lr", lr_, "Learning rate (" + defaults_help("lr", 1e-3, image) + ")");
  flag(cmd, "--lr-schedule", "lr_schedule", lr_schedule_,
       "Learning-rate schedule, advanced each step: step:N:GAMMA, exp:GAMMA, cosine:T[:MIN], warmup:N[:START] "
       "or '' for a constant rate (" + defaults_help("lr_schedule", std::string(), image) + ")");
  flag(cmd, "--beta", "beta", beta_, "beta-VAE: KL weight (default 4); beta-TCVAE: TC weight (default 6)");
  flag(cmd, "--capacity", "capacity", capacity_, "beta-VAE: target KL capacity in nats (0 = off)");
  flag(cmd, "--iwae-k", "iwae_k", iwae_k_, "Train on the K-sample importance-weighted bound (IWAE) instead of the ELBO (1 = ELBO)");
  flag(cmd, "--kl-schedule", "kl_schedule", kl_schedule_,
       "KL schedule: constant:W, linear:N[:W], cyclical:M:R:T[:W], capacity:C:N:G [,free-bits:L or ,group-free-bits:L]");
  flag(cmd, "--hidden", "hidden", hidden_, "MLP hidden sizes, e.g. 1200,1200 (default 400)");
  flag(cmd, "--alpha", "alpha", alpha_, "beta-TCVAE: weight of the index-code MI (default 1)");
  flag(cmd, "--gamma", "gamma", gamma_, "factor-vae: TC weight (default 10; 35 for dsprites); beta-tcvae: dimension-wise KL weight (default 1)");
  flag(cmd, "--sampling", "sampling", sampling_, "beta-TCVAE: q(z) estimated by mws (minibatch-weighted) or mss (stratified)");
  flag(cmd, "--arch", "arch", arch_, "ae, dae, dvae: the VAE's networks, mlp or conv (default mlp)");
  flag(cmd, "--corruption", "corruption", corruption_,
       "dae, dvae: corruption of the encoder's input in training, gaussian:SIGMA (clamped to [0, 1]), mask:P, "
       "salt:P or block:SIZE (default dae mask:0.25, dvae salt:0.1)");
}

models::ModelOptions ModelFlags::options() const {
  models::ModelOptions o;
  for (const auto& [opt, set] : flags_)
    if (opt->count() > 0) set(o);
  return o;
}

}  // namespace xgrad::apps
