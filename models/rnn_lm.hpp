#pragma once
// RnnLm: the VRNN's baseline without latent variables — the same phi_x, cell and
// output head, with p(x_t | h_{t-1}) read from the state alone:
//   p(x_t | x_<t) = head(relu(Linear(h_{t-1}))),  h_t = cell(phi_x(x_t), h_{t-1}).
// It reads batches as the VRNN does (SequenceInput: text scores labels[:, 1:] from a
// zero state, series x), so per-step negative log-likelihoods compare directly with
// the VRNN's per-step negative ELBO. Loss: NLL summed over time, averaged over the batch.
// A GenerativeModel without a latent code: it trains, evaluates and scores (its IWAE
// bound is the exact log-likelihood) like the others; encode, decode and sample throw.
#include <memory>
#include <string>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/recurrence.hpp"
#include "xgrad/models/sequence_input.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/linear.hpp"

namespace xgrad::models {

struct RnnLmOptions {
  VrnnLikelihood likelihood = VrnnLikelihood::Gaussian;  ///< how batches are read; default head Gaussian or Categorical
  RecurrentCell cell = RecurrentCell::GRU;
  Index x_dim = 1;
  Index classes = 256;
  Index hidden = 64;
};

class RnnLm : public GenerativeModel {
 public:
  /// With the default head of options.likelihood (sequence_head; Gaussian or Categorical).
  RnnLm(const RnnLmOptions& options, core::Generator& gen) : RnnLm(options, nullptr, gen) {}
  /// With one's own head `out`, features (..., hidden) -> p(x_t | x_<t) (null: the default).
  RnnLm(const RnnLmOptions& options, std::shared_ptr<LikelihoodHead> out, core::Generator& gen);

  std::string kind() const override { return "rnn"; }
  Index latent_dim() const override { return 0; }
  /// (B) negative log-likelihood per sequence, summed over real steps.
  Var nll(const SequenceInput& in) const;
  /// Stats are per-sequence means (kl = 0); draws nothing from the generator.
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  /// Sums over the sequences (no graph).
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  /// The exact log-likelihood per sequence (there is no latent to integrate out).
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;
  /// Throw: there is no latent code.
  Tensor encode(const Batch& batch) override;
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;
  std::string describe() const override;

  const RnnLmOptions options;

 private:
  bool text() const { return options.likelihood == VrnnLikelihood::Categorical; }
  std::shared_ptr<nn::Embedding> embed_;
  std::shared_ptr<nn::Linear> phi_x1_, phi_x2_, dec_;
  std::shared_ptr<LikelihoodHead> out_;
  Recurrence cell_;
};

}  // namespace xgrad::models
