#pragma once
// VRNN (Chung et al. 2015, "A Recurrent Latent Variable Model for Sequential
// Data"): a VAE at every time step whose prior and posterior depend on the
// recurrent state. Per step t, with h = h_{t-1}:
//   prior      p(z_t | h)         = N(prior_net(h))
//   posterior  q(z_t | x_t, h)    = N(encoder([phi_x(x_t), h]))
//   likelihood p(x_t | z_t, h)    = head(decoder([phi_z(z_t), h]))
//   recurrence h_t = cell([phi_x(x_t), phi_z(z_t)], h)
// The loss is sum_t [-log p(x_t|z_t,h) + w KL(q_t || p_t)], summed over time and
// averaged over the batch. Layout as in the reference code: phi_x two Linear+ReLU
// (x -> h -> h; for text an Embedding(256, h) stands for the one-hot Linear),
// phi_z one Linear+ReLU, prior h -> h, encoder and decoder [.,.] -> h -> h, all ReLU.
//
// Data (nn::Batch):
//   series  x (B, L, D) floats; a NaN at (b, t, 0) marks step t of row b as padding.
//   text    labels (B, L + 1) token ids; the VRNN models labels[:, 1:] (L steps:
//           the same count of scored tokens as a next-character model on the
//           same batch); x_t is predicted from z_t and h_{t-1}. Ids < 0 are padding.
// Padding must come after a row's real steps: padded steps score nothing and
// leave the recurrent state unchanged.
//
// The GenerativeModel methods in sequence terms:
//   encode(batch)  posterior means per step, (B, L * latent) (row-major over t, z).
//   decode(z)      runs the model with the latent path z (B, L * latent) given:
//                  series (B, L, D) means, text (B, L) the most likely bytes (as floats).
//   sample(n)      ancestral sampling from the prior, options.sample_length steps:
//                  series (n, L, D) means fed back; text (n, L) byte ids as floats.
//   evaluate       sums per sequence (count = rows); per step = neg_elbo / steps,
//                  steps from sequence_steps(batch).
#include <memory>
#include <string>
#include <vector>

#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/objective.hpp"
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/recurrence.hpp"
#include "xgrad/models/sequence_input.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/linear.hpp"

namespace xgrad::models {

struct VrnnOptions {
  VrnnLikelihood likelihood = VrnnLikelihood::Gaussian;  ///< how batches are read, and the default head
  RecurrentCell cell = RecurrentCell::GRU;
  Index x_dim = 1;          ///< features per step (Gaussian / Mixture)
  Index classes = 256;      ///< symbols (Categorical)
  Index hidden = 64;        ///< h: recurrent state and every hidden layer
  Index latent = 16;        ///< z per step
  Index components = 5;     ///< mixture components (Mixture)
  Index sample_length = 64; ///< steps drawn by sample()
};

/// The recurrent state carried between windows (truncated BPTT). c is defined for LSTM only.
using VrnnState = RecurrentState;

/// A window in time-major form (see sequence_input.hpp).
using VrnnInput = SequenceInput;

/// What one pass over a window gives.
struct VrnnTerms {
  ElboTerms elbo;        ///< per sequence (B), summed over real steps; loss with the model's objective
  Var log_weight;        ///< (B) log p(x, z) - log q(z | x) of the whole path, only when asked for
  VrnnState state;       ///< the state after the window's last real step
  Index real_steps = 0;  ///< unpadded steps over the batch
};

class Vrnn : public GenerativeModel {
 public:
  /// With the default head of options.likelihood (sequence_head).
  Vrnn(const VrnnOptions& options, core::Generator& gen) : Vrnn(options, nullptr, gen) {}
  /// With one's own head `out`: decoder features (..., hidden) -> p(x_t | z_t, h) (null: the
  /// default). Text decodes and generates from a categorical one.
  Vrnn(const VrnnOptions& options, std::shared_ptr<LikelihoodHead> out, core::Generator& gen);

  std::string kind() const override { return "vrnn"; }
  Index latent_dim() const override { return options.latent; }

  /// One pass over a window from `state` (zeros when undefined); z_t = posterior rsample;
  /// the loss is the objective at training step `step`.
  VrnnTerms forward(const VrnnInput& input, const VrnnState& state, core::Generator& gen,
                    bool with_log_weight = false, std::int64_t step = 0);
  /// The objective train_step minimises (ELBO with a KL weight, free bits, capacity, a
  /// schedule); free bits floor each (step, latent dimension) KL averaged over the batch.
  /// Padded batches support the plain ELBO objective only.
  const ElboLoss& objective() const { return objective_; }
  void set_objective(ElboLoss objective) { objective_ = std::move(objective); }

  /// A training step on a window starting from `state`; returns the stats and stores
  /// the detached final state in `state` (truncated BPTT: call with consecutive windows).
  StepStats train_window(const VrnnInput& input, VrnnState& state, nn::StepContext& ctx);

  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  /// Per-sequence IWAE: k whole latent paths from the filtering posterior,
  /// log (1/k) sum_i p(x, z_i) / q(z_i | x), per row (B,).
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;

  Tensor encode(const Batch& batch) override;
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;
  /// decode(encode(x)) would need noise-free inputs; reconstructs with the posterior means.
  Tensor reconstruct(const Batch& batch) override { return decode(encode(batch)); }

  /// n sequences of `length` steps by ancestral sampling from the prior. Text: bytes
  /// drawn at `temperature`, after feeding `prefix` (P,) ids (returned first, so the
  /// result is (n, P + length)). Series: means fed back, (n, length, D), prefix (n, P, D) optional.
  Tensor generate(Index n, Index length, core::Generator& gen, float temperature = 1.f,
                  const IndexTensor& text_prefix = {}, const Tensor& series_prefix = {});

  /// Series, unpadded: (B, L) per-step negative ELBO, -log p(x_t | z_t, h) + KL(q_t || p_t),
  /// averaged over k posterior paths: how surprising each step is (anomaly scores).
  /// Defined in vrnn_inference.cpp.
  Tensor step_scores(const Batch& batch, int k, core::Generator& gen);
  /// Series: filters `history` (n, P, D) through the posterior, then draws `horizon`
  /// steps ancestrally, sampling x_t from the likelihood (not its mean) and feeding it
  /// back, so the n rows are draws from the predictive distribution: (n, horizon, D).
  Tensor sample_future(const Tensor& history, Index horizon, core::Generator& gen);

  /// Unpadded steps in the batch (to turn evaluate's sums into per-step figures).
  Index sequence_steps(const Batch& batch) const;

  std::string describe() const override;

  const VrnnOptions options;

 private:
  Var phi_x(const VrnnInput& in, Index t) const;
  /// q(z_t | x_t, h_{t-1}) and the decoder body, shared by every loop.
  nn::Normal<> posterior_step(const Var& fx, const Var& h) const;
  Var decoder_step(const Var& fz, const Var& h) const;

  bool text() const { return options.likelihood == VrnnLikelihood::Categorical; }

  std::shared_ptr<nn::Embedding> embed_;  // text: phi_x's first layer
  std::shared_ptr<nn::Linear> phi_x1_, phi_x2_, phi_z_;
  std::shared_ptr<nn::Linear> prior_, enc1_, enc2_, dec1_, dec2_;
  std::shared_ptr<GaussianHead> prior_head_, enc_head_;
  std::shared_ptr<LikelihoodHead> out_;
  Recurrence cell_;
  ElboLoss objective_;
};

}  // namespace xgrad::models
