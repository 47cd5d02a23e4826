#pragma once
// VRNN (Chung et al. 2015, "A Recurrent Latent Variable Model for Sequential
// Data"): a VAE at every time step whose prior and posterior depend on the
// recurrent state. Per step t, with h = h_{t-1}:
//   prior      p(z_t | h)         = N(prior_net(h))
//   posterior  q(z_t | x_t, h)    = N(encoder([phi_x(x_t), h]))
//   likelihood p(x_t | z_t, h)    = head(decoder([phi_z(z_t), h]))
//   recurrence h_t = cell([phi_x(x_t), phi_z(z_t)], h)
// Loss: sum_t [-log p(x_t|z_t,h) + w KL(q_t || p_t)], averaged over the batch. Layout as
// the reference code: phi_x two Linear+ReLU (text: Embedding(256, h) for the first), phi_z
// one, prior h -> h, encoder and decoder [.,.] -> h -> h. Every pass is wiring over one
// posterior step (step) or its generative mirror (unroll).
// Data as SequenceInput reads it (padded steps score nothing and keep the state). evaluate
// sums per sequence (per step: divide by sequence_steps). Latent paths are (B, L * latent).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/models/common/objective.hpp"
#include "xgrad/models/common/recurrence.hpp"
#include "xgrad/models/common/sequence_model.hpp"
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

/// What one pass over a window gives.
struct VrnnTerms {
  ElboTerms elbo;        ///< per sequence (B), summed over real steps; loss with the model's objective
  Var log_weight;        ///< (B) log p(x, z) - log q(z | x) of the whole path, only when asked for
  RecurrentState state;  ///< the state after the window's last real step
  Index real_steps = 0;  ///< unpadded steps over the batch
};

class Vrnn : public GenerativeModel, public SequenceModel {
 public:
  /// With one's own head `out`, decoder features (..., hidden) -> p(x_t | z_t, h) (text needs a
  /// categorical one), or the default of options.likelihood (sequence_head).
  Vrnn(const VrnnOptions& options, core::Generator& gen) : Vrnn(options, nullptr, gen) {}
  Vrnn(const VrnnOptions& options, std::shared_ptr<LikelihoodHead> out, core::Generator& gen);

  std::string kind() const override { return "vrnn"; }
  Index latent_dim() const override { return options.latent; }
  std::string describe() const override;

  /// One pass over a window from `state` (zeros when undefined), z_t ~ q, loss at training `step`.
  VrnnTerms forward(const SequenceInput& input, const RecurrentState& state, core::Generator& gen,
                    bool with_log_weight = false, std::int64_t step = 0);
  /// What train_step minimises (KL weight, free bits, capacity, schedule; padded: plain ELBO only).
  const ElboLoss& objective() const { return objective_; }
  void set_objective(ElboLoss objective) { objective_ = std::move(objective); }

  /// A training step on a window from `state`, which then holds the detached final state
  /// (truncated BPTT: call with consecutive windows).
  StepStats train_window(const SequenceInput& input, RecurrentState& state, nn::StepContext& ctx);
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  /// Unpadded steps in the batch (to turn evaluate's sums into per-step figures).
  Index sequence_steps(const Batch& batch) const;
  /// Per row (B): log (1/k) sum_i p(x, z_i) / q(z_i | x) over k whole paths from the posterior.
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;

  /// Posterior means per step (B, L * latent); decode runs the model along such a path:
  /// series (B, L, D) means, text (B, L) most likely bytes. sample: generate(n, sample_length).
  Tensor encode(const Batch& batch) override;
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;
  Tensor reconstruct(const Batch& batch) override { return decode(encode(batch)); }

  /// n sequences by ancestral sampling after filtering a prefix (returned first): text (n, P + length)
  /// bytes drawn with `sampling` after ids (P,); series (n, P + length, D) means after (n, P, D).
  Tensor generate(Index n, Index length, core::Generator& gen, const TokenSampling& sampling = {},
                  const IndexTensor& text_prefix = {}, const Tensor& series_prefix = {}) override;
  /// Series, unpadded: (B, L) per-step -log p(x_t | z_t, h) + KL(q_t || p_t) over k paths (anomaly).
  Tensor step_scores(const Batch& batch, int k, core::Generator& gen) override;
  /// Series: `horizon` steps after filtering `history` (n, P, D), each x_t drawn from the
  /// likelihood and fed back: n draws from the predictive distribution, (n, horizon, D).
  Tensor sample_future(const Tensor& history, Index horizon, core::Generator& gen) override;

  const VrnnOptions options;

 private:
  /// One posterior step from h_{t-1}: q(z_t | x_t, h_{t-1}), the z_t taken, phi_z(z_t), h_t.
  struct Step { nn::Normal<> q; Var z, fz; RecurrentState next; };
  /// What a generative step emits from p(x_t | ...): text ids as floats (B), series values (B, D).
  using Pick = std::function<Tensor(const nn::Distribution<>&)>;

  /// The step every pass runs, from phi_x(x_t): z_t drawn from q (its mean when gen is null).
  Step step(const Var& fx, const RecurrentState& s, core::Generator* gen) const;
  RecurrentState recur(const Var& fx, const Var& fz, const RecurrentState& s) const;
  /// p(z_t | h_{t-1}) and the decoder body [phi_z(z_t), h_{t-1}] -> features, over any leading axes.
  nn::Normal<> prior(const Var& h) const;
  Var decoder(const Var& fz, const Var& h) const;
  Var phi_x(const SequenceInput& in, Index t) const;
  /// phi_x of every step of `in` at once, as the per-step (B, hidden) pieces.
  std::vector<Var> phi_x_steps(const SequenceInput& in) const;
  /// n rows: `prefix` (batch-major, as Pick emits; may be undefined) filtered through the posterior,
  /// then `length` steps, z_t from the prior (or step t of `path`, (n, length, Z)), x_t =
  /// pick(p(x_t | z_t, h_{t-1})) fed back. Returns [prefix, x_1 .. x_length], batch-major.
  Tensor unroll(Index n, const Tensor& prefix, Index length, const Pick& pick, core::Generator* gen,
                const Tensor& path = {}) const;
  bool text() const { return options.likelihood == VrnnLikelihood::Categorical; }

  std::shared_ptr<nn::Embedding> embed_;  // text: phi_x's first layer (series: phi_x1_)
  std::shared_ptr<nn::Linear> phi_x1_, phi_x2_, phi_z_, prior_, enc1_, enc2_, dec1_, dec2_;
  std::shared_ptr<GaussianHead> prior_head_, enc_head_;
  std::shared_ptr<LikelihoodHead> out_;
  Recurrence cell_;
  ElboLoss objective_;
};

}  // namespace xgrad::models
