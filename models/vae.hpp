#pragma once
// VAE (Kingma & Welling 2014): q(z | x) = N(mu(x), diag sigma^2(x)), p(z) = N(0, I),
// p(x | z) = Bernoulli(logits(z)) over the pixels, trained on the ELBO (by nn::Trainer).
// Its networks and likelihood head are parts: pass your own (VaeParts), or take the
// defaults make_vae_parts builds from the options.
// Two architectures:
//   Mlp  ("vae"):      784 -> 400 ReLU -> (mu, logvar) 20; 20 -> 400 ReLU -> 784 logits
//                      (PyTorch's examples/vae).
//   Conv ("conv-vae"): 1x28x28 -> conv 4x4/2 32 ReLU -> conv 4x4/2 64 ReLU -> flatten
//                      -> Linear hidden ReLU -> (mu, logvar); the mirror image with
//                      ConvTranspose2d back to 1x28x28 logits.
// Inputs may be (B, 784) or (B, 1, 28, 28); decode returns (B, 784). Other data: `input`
// values a row and, for Conv, `channels` (input = channels * side * side, side divisible
// by 4). Pixels in [0, 1] take the Bernoulli likelihood; real-valued (standardised) rows
// the Gaussian one (GaussianLikelihoodHead, a learned variance per dimension).
#include <vector>

#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::models {

struct VaeOptions {
  enum class Arch { Mlp, Conv };
  Arch arch = Arch::Mlp;
  enum class Likelihood { Bernoulli, Gaussian };
  Index input = 784;                ///< values a row (Conv: channels * side * side)
  Index channels = 1;               ///< Conv: image channels (1 grey, 3 colour)
  Likelihood likelihood = Likelihood::Bernoulli;
  std::vector<Index> hidden{400};   ///< MLP hidden sizes; Conv uses hidden[0] after the convolutions
  Index latent = 20;
  ElboLoss objective{};             ///< beta, free bits, capacity, a KL schedule
};

/// What a VAE is made of. Any encoder whose output size the head takes, any decoder
/// whose output the likelihood head takes, any likelihood family.
struct VaeParts {
  std::shared_ptr<nn::Layer> encoder;          ///< x (B, ...) -> features
  std::shared_ptr<GaussianHead> head;          ///< features -> q(z | x)
  std::shared_ptr<nn::Layer> decoder;          ///< z -> decoder features
  std::shared_ptr<LikelihoodHead> likelihood;  ///< decoder features -> p(x | z)
};
/// The default parts of either architecture (drawing weights from `gen` in a fixed order).
VaeParts make_vae_parts(const VaeOptions& options, core::Generator& gen);

class Vae : public LatentVariableModel {
 public:
  Vae(const VaeOptions& options, core::Generator& gen) : Vae(options, make_vae_parts(options, gen)) {}
  /// A VAE of one's own parts; options give the latent size, the kind and the objective.
  Vae(const VaeOptions& options, VaeParts parts);
  std::string kind() const override { return options.arch == VaeOptions::Arch::Conv ? "conv-vae" : "vae"; }
  Index latent_dim() const override { return options.latent; }
  DistributionPtr posterior(const Batch& batch) override;
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch& batch) override;
  std::string describe() const override;

  const VaeOptions options;
  std::shared_ptr<nn::Layer> encoder;  ///< x (B, input) -> features
  std::shared_ptr<GaussianHead> head;  ///< features -> q(z | x)
  std::shared_ptr<nn::Layer> decoder;  ///< z -> logits (B, input)
  std::shared_ptr<LikelihoodHead> out;  ///< logits -> p(x | z)
};

/// The encoder and decoder networks of either architecture, for models built like the
/// VAE (CVAE, beta-VAE): `in` features into the encoder, `latent_in` into the decoder.
struct VaeNetworks {
  std::shared_ptr<nn::Layer> encoder;
  Index features = 0;  ///< the encoder's output size (the GaussianHead's in)
  std::shared_ptr<nn::Layer> decoder;
};
VaeNetworks make_vae_networks(const VaeOptions& options, Index in, Index latent_in, core::Generator& gen);

/// (B, ...) -> (B, features): images flattened to rows.
Var flatten_rows(const Tensor& x);

}  // namespace xgrad::models
