#pragma once
// Autoencoder ("ae"): the VAE's networks with a deterministic code, z = code(encoder(x)),
// trained on the Bernoulli reconstruction loss alone, -log p(x | z) summed over the
// pixels (BCE), mean over the batch. It has no prior, so no ELBO, KL or IWAE bound;
// sample() decodes draws of a Gaussian fitted to the training codes once training is
// over (finish_training; Ghosh et al. 2020's ex-post density estimation).
// Architectures as the VAE's (vae.hpp): Mlp 784-400-z-400-784, or Conv; the code layer
// is one Linear from the encoder's features, as the VAE's mean head.
// The denoising autoencoder (dae.hpp) is this model with a corrupted training input.
#include <memory>
#include <vector>

#include "xgrad/models/common/fitted_gaussian.hpp"
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/nn/layers/linear.hpp"

namespace xgrad::models {

struct AutoencoderOptions {
  VaeOptions::Arch arch = VaeOptions::Arch::Mlp;
  Index input = 784;
  std::vector<Index> hidden{400};
  Index latent = 20;
};

class Autoencoder : public GenerativeModel {
 public:
  Autoencoder(const AutoencoderOptions& options, core::Generator& gen);
  std::string kind() const override { return "ae"; }
  Index latent_dim() const override { return options.latent; }

  /// Minimises mean_b -log p(x | code(training_input(x))): the loss is the reconstruction (kl = 0).
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  /// neg_elbo = recon = -log p(x | code(x)) summed over the batch (no KL).
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  /// Throws core::Error: without a prior and a proposal density there is no bound.
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;
  Tensor encode(const Batch& batch) override;
  /// Pixel means sigmoid(logits) of p(x | z).
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  /// Decodes n draws of the Gaussian fitted to the training codes; core::Error before the fit.
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;
  /// Fits `code_density` to the codes of the training set.
  void finish_training(const nn::Dataset& train) override;
  std::string describe() const override;

  /// (B) -log p(target | code(input)), recorded: the loss of one batch.
  Var reconstruction_nll(const Batch& input, const Tensor& target);

  const AutoencoderOptions options;
  std::shared_ptr<nn::Layer> encoder;          ///< x -> features
  std::shared_ptr<nn::Linear> code;            ///< features -> z
  std::shared_ptr<nn::Layer> decoder;          ///< z -> logits
  std::shared_ptr<LikelihoodHead> likelihood;  ///< logits -> p(x | z) (Bernoulli)
  std::shared_ptr<FittedGaussian> code_density;  ///< N(mean, cov) of the training codes

 protected:
  /// What the encoder sees during training: the batch itself (the DAE corrupts it).
  virtual Batch training_input(const Batch& batch, core::Generator& gen) {
    (void)gen;
    return batch;
  }
};

}  // namespace xgrad::models
