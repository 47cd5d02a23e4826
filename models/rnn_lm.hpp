#pragma once
// RnnLm: the VRNN's baseline without latent variables — the same phi_x, cell and
// output head, with p(x_t | h_{t-1}) read from the state alone:
//   p(x_t | x_<t) = head(relu(Linear(h_{t-1}))),  h_t = cell(phi_x(x_t), h_{t-1}).
// It reads batches as the VRNN does (SequenceInput: text scores labels[:, 1:] from a
// zero state, series x), so per-step negative log-likelihoods compare directly with
// the VRNN's per-step negative ELBO. Loss: NLL summed over time, averaged over the batch.
#include <memory>
#include <string>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/sequence_input.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/rnn_cell.hpp"
#include "xgrad/nn/optim/adam.hpp"

namespace xgrad::models {

struct RnnLmOptions {
  VrnnLikelihood likelihood = VrnnLikelihood::Gaussian;  ///< Gaussian (series) or Categorical (text)
  RecurrentCell cell = RecurrentCell::GRU;
  Index x_dim = 1;
  Index classes = 256;
  Index hidden = 64;
  double lr = 1e-3;
};

class RnnLm : public nn::Module {
 public:
  RnnLm(const RnnLmOptions& options, core::Generator& gen);

  /// (B) negative log-likelihood per sequence, summed over real steps.
  Var nll(const SequenceInput& in) const;
  /// One Adam step; stats are per-sequence means (kl = 0).
  StepStats train_step(const Batch& batch);
  /// Sums over the sequences (no graph).
  EvalSums evaluate(const Batch& batch) const;
  std::string describe() const override;
  /// The Adam optimizer train_step uses (its state goes into checkpoints).
  nn::Adam& optimizer() { return *adam_; }

  const RnnLmOptions options;

 private:
  bool text() const { return options.likelihood == VrnnLikelihood::Categorical; }
  std::shared_ptr<nn::Embedding> embed_;
  std::shared_ptr<nn::Linear> phi_x1_, phi_x2_, dec_;
  std::shared_ptr<GaussianLikelihoodHead> gauss_out_;
  std::shared_ptr<CategoricalHead> cat_out_;
  std::shared_ptr<nn::GRUCell> gru_;
  std::shared_ptr<nn::LSTMCell> lstm_;
  std::unique_ptr<nn::Adam> adam_;
};

}  // namespace xgrad::models
