#pragma once
// beta-TCVAE (Chen et al. 2018): the VAE whose KL term is split into index-code mutual
// information, total correlation and dimension-wise KL, weighted alpha, beta, gamma
// (TcDecomposedLoss, models/common/total_correlation.hpp). q(z) is estimated from the
// minibatch (minibatch-weighted sampling, or stratified sampling as an option), which
// needs the training set's size N. Evaluation reports the plain ELBO.
#include "xgrad/models/common/total_correlation.hpp"
#include "xgrad/models/vae.hpp"

namespace xgrad::models {

struct BetaTcVaeOptions {
  VaeOptions vae{};
  TcDecomposedLoss loss{};  ///< alpha 1, beta 6, gamma 1 (the paper's), MWS, N
};

class BetaTcVae : public Vae {
 public:
  BetaTcVae(const BetaTcVaeOptions& options, core::Generator& gen);
  std::string kind() const override { return "beta-tcvae"; }
  /// Minimises TcDecomposedLoss; StepStats: loss, recon, kl (the analytic KL) and extra
  /// "mi", "tc", "dim_kl" (batch means of the estimates).
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;

  const BetaTcVaeOptions tc_options;
};

}  // namespace xgrad::models
