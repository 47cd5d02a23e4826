#pragma once
// Adversarial autoencoder (Makhzani et al. 2015, "Adversarial Autoencoders").
// An autoencoder whose code distribution q(z) is pushed towards a prior p(z) by
// a discriminator on the code instead of a KL term. Each train_step runs the
// paper's phases on the batch, each minimising with its own optimizer (named
// "recon", "disc" and "gen" in optimizer_specs; the trainer builds them):
//   1. reconstruction: encoder + decoder minimise the Bernoulli NLL of x;
//   2. regularisation, discriminator: D(z ~ p) -> 1, D(z = enc(x)) -> 0;
//   3. regularisation, generator: the encoder makes D(enc(x)) -> 1.
// The discriminator takes several steps per batch, and two-stage rates follow the
// run's progress (the encoder left to the regularisation, then everything slowed):
// what it takes for q(z) to match the prior (AaeOptions, docs/results/models-experiments.md).
// Options give a deterministic or Gaussian (reparameterised) encoder, a standard
// Gaussian or a 10-component mixture prior, and the supervised variant whose
// decoder also sees the one-hot label (so z is left to carry the style).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/models/common/adversarial.hpp"
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/latent.hpp"  // code_moments, fresh_discriminator_accuracy: q(z) vs the prior
#include "xgrad/nn/layers/mlp.hpp"
#include "xgrad/nn/layers/sequential.hpp"

namespace xgrad::models {

enum class AaeEncoder { Deterministic, Gaussian };
enum class AaePrior { StandardNormal, Mixture };
/// The generator phase's loss (models/common/adversarial.hpp).
using AaeGeneratorLoss = GeneratorLoss;

struct AaeOptions {
  Index input_dim = 784;
  std::vector<Index> hidden = {512, 512};       ///< encoder's hidden sizes (the decoder mirrors them)
  Index latent_dim = 8;
  std::vector<Index> disc_hidden = {512, 512};  ///< discriminator's hidden sizes
  /// Dropout after each of the discriminator's hidden layers (0: none): a weaker, noisier
  /// discriminator that cannot memorise the codes' gaps, as in common GAN practice.
  double disc_dropout = 0;
  AaeEncoder encoder = AaeEncoder::Deterministic;
  AaePrior prior = AaePrior::StandardNormal;
  Index num_classes = 0;  ///< > 0: the supervised variant, the decoder sees one_hot(label)
  /// Mixture prior: `mixture_components` equal-weight Gaussians with means on a circle of
  /// `mixture_radius` in the plane of the first two latent dimensions (0 elsewhere), and
  /// standard deviation `mixture_std` in every dimension.
  Index mixture_components = 10;
  double mixture_radius = 4.0;
  double mixture_std = 0.5;
  /// Generator steps per batch (each re-encodes the batch): > 1 strengthens the
  /// encoder against the discriminator (measured: 2 made the prior match worse, docs/results/models-experiments.md).
  int generator_steps = 1;
  /// Discriminator steps per batch, each on fresh prior draws against the same codes. The
  /// generator's gradient is only as good as the discriminator is near its optimum for the
  /// current codes; one step at these rates leaves it behind (docs/results/models-experiments.md).
  int discriminator_steps = 5;
  /// Instance noise (Sønderby et al. 2017; Arjovsky & Bottou 2017): N(0, sigma^2) is added to
  /// BOTH the prior draws and the codes before the discriminator sees them (phases 2 and 3).
  /// Codes and prior overlap little early on, and on disjoint supports the discriminator can
  /// win outright and give the encoder no useful gradient; the noise blurs both
  /// distributions until they overlap. sigma starts at `instance_noise` and falls linearly to
  /// `instance_noise_floor` over `instance_noise_decay_steps` train_steps (0: constant).
  /// 0 turns it off.
  double instance_noise = 0;
  double instance_noise_floor = 0;
  Index instance_noise_decay_steps = 0;
  /// One-sided label smoothing (Salimans et al. 2016): the discriminator's target for prior
  /// draws (codes keep 0), < 1 stops it from growing over-confident on the prior side.
  double prior_label = 1.0;
  /// The generator phase's loss in the discriminator's logit l = log D/(1 - D) of the codes.
  /// Logit: the codes' scale comes out right (the others leave them slightly contracted or
  /// expanded, docs/results/models-experiments.md).
  AaeGeneratorLoss generator_loss = AaeGeneratorLoss::Logit;
  /// The reconstruction phase uses the run's optimizer options (its lr: `xgrad train --lr`);
  /// the regularisation phases these.
  nn::OptimizerOptions disc_optim{.lr = 5e-4, .beta1 = 0.5};
  nn::OptimizerOptions gen_optim{.lr = 2e-4, .beta1 = 0.5};
  /// Two-stage rates, applied before every step from the trainer's step and total (a
  /// run without a planned total, such as a Stepper's, keeps the rates above). Adam moves each weight
  /// by about its rate whatever the size of the loss, so on the encoder the reconstruction
  /// (1e-3) outpulls the generator (2e-4) wherever the two disagree and q(z) stays where
  /// reconstruction wants it. From `focus_from` of training on, the reconstruction phase
  /// updates the encoder at `focus_encoder_lr` only (the decoder keeps its rate and follows
  /// the codes) and the regularisation phases pull q(z) onto the prior; from `settle_from`
  /// on every rate is a tenth, to settle the game's noise. 1 turns a stage off.
  double focus_from = 0.4;
  double focus_encoder_lr = 1e-5;
  double settle_from = 0.9;
};

class Aae : public GenerativeModel {
 public:
  Aae(const AaeOptions& options, core::Generator& gen);

  std::string kind() const override { return "aae"; }
  Index latent_dim() const override { return options.latent_dim; }

  /// Reconstruction, discriminator and generator phases in that order. StepStats:
  /// loss = recon = BCE summed over pixels, mean over the batch (from phase 1); kl = 0;
  /// extra "disc_loss" = BCE(D(prior), 1) + BCE(D(code), 0) (the first discriminator step's)
  /// and "gen_loss" = the generator_loss of the codes; batch means.
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  /// "recon" (groups: encoder, decoder; from `options`), "disc", "gen".
  std::vector<nn::OptimizerSpec> optimizer_specs(const nn::OptimizerOptions& options) override;
  /// neg_elbo = recon = summed BCE (the AAE has no KL term; kl = 0); the Gaussian
  /// encoder decodes a draw from q(z | x), as in training.
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  /// Throws core::Error: the adversarial regularisation defines no prior density
  /// matched by a proposal, so there is no importance-weighted bound.
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;

  /// The code (the mean for the Gaussian encoder).
  Tensor encode(const Batch& batch) override;
  /// sigmoid(decoder logits); labels are required by the supervised variant.
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;

  /// n draws from the prior p(z), (n, latent_dim).
  Tensor sample_prior(Index n, core::Generator& gen) const;
  /// Discriminator logits for codes z (B, latent_dim) -> (B, 1), recorded.
  Var discriminate(const Var& z) { return discriminator->forward(z); }

  // The phases train_step runs, public so each can be checked on its own.
  /// The codes of x that training uses (the encoder output, or a reparameterised
  /// draw for the Gaussian encoder), recorded.
  Var code(const Var& x, core::Generator& gen);
  /// Phase 1: one step of the reconstruction optimizer (encoder + decoder) on the
  /// Bernoulli NLL; returns it per example, before the step.
  double reconstruction_phase(const Batch& batch, nn::StepContext& ctx);
  /// Phase 2: one step of the discriminator optimizer on prior draws (label 1) vs
  /// the codes z (label 0, not differentiated); returns the loss before the step.
  double discriminator_phase(const Var& z, nn::StepContext& ctx);
  /// Phase 3: one step of the generator optimizer (the encoder) making the
  /// discriminator call the codes z (recorded by code()) real; returns the loss.
  double generator_phase(const Var& z, nn::StepContext& ctx);
  /// The instance noise's standard deviation at training step `step`.
  double instance_noise_std(std::int64_t step) const;
  /// Sets the two-stage rates (focus_from, settle_from) of the optimizers for training
  /// step `step` of `total_steps`; train_step calls it when the run has a total.
  void set_progress(Index step, Index total_steps, nn::Optimizers& optimizers) const;

  const AaeOptions options;
  /// x -> code (deterministic: input-hidden-latent), or x -> features (Gaussian).
  std::shared_ptr<nn::MLP> encoder;
  std::shared_ptr<GaussianHead> posterior;  ///< features -> q(z | x); Gaussian encoder only
  std::shared_ptr<nn::MLP> decoder;         ///< code [, one_hot(label)] -> features
  std::shared_ptr<BernoulliHead> likelihood;  ///< features -> p(x | z) over the pixels
  std::shared_ptr<nn::Sequential> discriminator;  ///< code -> logit of "drawn from the prior"

 private:
  /// p(x | z), conditioned on the labels in the supervised variant.
  nn::Bernoulli<> decode_dist(const Var& z, const IndexTensor& labels);
  /// -log p(x | code(x)) per example, (B).
  Var recon_nll(const Batch& batch, core::Generator& gen);
  std::vector<Var> encoder_parameters() const;
  AdversarialLoss adversarial_;  ///< the critic's and the generator's losses, from the options

  double recon_lr_ = 1e-3;  ///< the reconstruction rate the stages scale (from optimizer_specs)
};

}  // namespace xgrad::models
