#pragma once
// CVAE (Sohn et al. 2015): q(z | x, y), p(z) = N(0, I), p(x | z, y) = Bernoulli, the
// one-hot label y concatenated to the encoder's input and to the decoder's (as the
// first Linear's label columns: nn::Sequential::forward_one_hot builds no concatenation,
// and the parameters are those of a Linear over it). Sampling
// and decoding need labels: sample(n, gen, labels) draws n images of the given classes.
// With `learned_prior` the prior is Sohn et al.'s conditional prior network, here a
// Gaussian per class p(z | y) = N(mu_y, sigma_y^2) (a GaussianHead on one_hot(y)):
// the encoder puts class information in z even though the decoder sees y, so draws
// from one N(0, I) shared by all classes land among other classes' codes and the
// decoder draws those classes (measured in docs/results/models-experiments.md); p(z | y) keeps a
// class's draws among its own codes.
#include "xgrad/models/vae.hpp"
#include "xgrad/nn/layers/sequential.hpp"

namespace xgrad::models {

struct CvaeOptions {
  Index input = 784;
  Index classes = 10;
  std::vector<Index> hidden{400};
  Index latent = 20;
  ElboLoss objective{};
  bool learned_prior = true;  ///< p(z | y) learned per class; false: p(z) = N(0, I)
};

class Cvae : public LatentVariableModel {
 public:
  Cvae(const CvaeOptions& options, core::Generator& gen);
  std::string kind() const override { return "cvae"; }
  Index latent_dim() const override { return options.latent; }
  DistributionPtr posterior(const Batch& batch) override;
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch& batch) override;
  /// p(z | y) for the batch's labels (learned_prior), else N(0, I).
  DistributionPtr prior_for(const Batch& batch, Index n) override;
  std::string describe() const override;

  const CvaeOptions options;
  std::shared_ptr<nn::Sequential> encoder;  ///< [x, onehot(y)] -> features
  std::shared_ptr<GaussianHead> head;
  std::shared_ptr<nn::Sequential> decoder;  ///< [z, onehot(y)] -> logits
  std::shared_ptr<LikelihoodHead> out;
  std::shared_ptr<GaussianHead> prior_net;  ///< one_hot(y) -> p(z | y); learned_prior only
};

}  // namespace xgrad::models
