#pragma once
// CVAE (Sohn et al. 2015): q(z | x, y), p(z) = N(0, I), p(x | z, y) = Bernoulli, the
// one-hot label y concatenated to the encoder's input and to the decoder's. Sampling
// and decoding need labels: sample(n, gen, labels) draws n images of the given classes.
#include "xgrad/models/vae.hpp"

namespace xgrad::models {

struct CvaeOptions {
  Index input = 784;
  Index classes = 10;
  std::vector<Index> hidden{400};
  Index latent = 20;
  double lr = 1e-3;
  ElboObjective objective{};
};

class Cvae : public LatentVariableModel {
 public:
  Cvae(const CvaeOptions& options, core::Generator& gen);
  std::string kind() const override { return "cvae"; }
  Index latent_dim() const override { return options.latent; }
  nn::Normal<> posterior(const Batch& batch) override;
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch& batch) override;
  std::string describe() const override;

  const CvaeOptions options;
  std::shared_ptr<nn::Layer> encoder;  ///< [x, onehot(y)] -> features
  std::shared_ptr<GaussianHead> head;
  std::shared_ptr<nn::Layer> decoder;  ///< [z, onehot(y)] -> logits
  std::shared_ptr<BernoulliHead> out;
};

/// (B) class ids in [0, classes) -> (B, classes) one-hot rows; throws naming a bad id.
Tensor one_hot(const IndexTensor& labels, Index classes);

}  // namespace xgrad::models
