#pragma once
// Heads: the small modules that turn features into distributions, so that no
// model writes a log-variance, a reparameterisation or a likelihood by hand.
//
// Encoder side: GaussianHead (features -> q(z | .) = Normal(mean, logvar)).
// Decoder side: BernoulliHead, GaussianLikelihoodHead, CategoricalHead and
// MixtureHead (features -> p(x | .)). Every head returns its distribution by
// value: the distributions are cheap handles to graph variables.
//
// Log-variances are clamped to [logvar_min, logvar_max] (default [-10, 10]):
// a hard clamp is the identity inside the range, so a model trained inside it
// matches PyTorch's reference (which has no bound) bit for bit, while exp(logvar)
// can never overflow float nor collapse a variance to 0 (e^-10 ~ 4.5e-5, std
// e^5 ~ 148 are far outside what a trained model uses). The clamp's gradient is
// 0 outside the range; a soft bound (tanh) would keep it but changes every
// value, which breaks comparability with the reference implementations.
#include <memory>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/distributions/distributions.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::models {

using nn::Index;
using nn::Var;

struct GaussianHeadOptions {
  Index in = 0;   ///< feature size
  Index out = 0;  ///< latent size Z
  float logvar_min = -10.f;
  float logvar_max = 10.f;
};

/// features (..., in) -> Normal(mean, logvar) over (..., out): two Linear maps
/// ("mean", "logvar"), as fc21/fc22 of PyTorch's VAE example (same init).
class GaussianHead : public nn::Module {
 public:
  GaussianHead(const GaussianHeadOptions& options, core::Generator& gen);
  nn::Normal<> forward(const Var& features) const;
  nn::Normal<> operator()(const Var& features) const { return forward(features); }
  std::string describe() const override;

  const GaussianHeadOptions options;
  std::shared_ptr<nn::Linear> mean;
  std::shared_ptr<nn::Linear> logvar;
};

/// A decoder-side head of any family: features -> p(x | .). Models hold one of these
/// (passed in, or a default), so swapping Bernoulli pixels for a Gaussian or a
/// categorical output touches no model code.
class LikelihoodHead : public nn::Module {
 public:
  virtual std::unique_ptr<nn::Distribution<>> distribution(const Var& features) const = 0;
};

/// Projection shared by the likelihood heads: in = 0 means "the features already
/// are the parameters" (e.g. a ConvTranspose2d's logits); in > 0 adds a Linear.
struct BernoulliHeadOptions {
  Index in = 0;   ///< feature size, or 0 for no projection
  Index out = 0;  ///< data size D (ignored when in = 0)
};

/// features -> Bernoulli(logits): pixels in [0, 1] scored with BCE-with-logits.
class BernoulliHead : public LikelihoodHead {
 public:
  BernoulliHead(const BernoulliHeadOptions& options, core::Generator& gen);
  nn::Bernoulli<> forward(const Var& features) const;
  nn::Bernoulli<> operator()(const Var& features) const { return forward(features); }
  std::unique_ptr<nn::Distribution<>> distribution(const Var& features) const override {
    return std::make_unique<nn::Bernoulli<>>(forward(features));
  }
  std::string describe() const override;

  const BernoulliHeadOptions options;
  std::shared_ptr<nn::Linear> proj;  ///< null when in = 0
};

enum class VarianceMode {
  Fixed,         ///< logvar = fixed_logvar for every dimension (no parameter)
  PerDimension,  ///< a learned parameter "logvar" of size out, shared by all examples
  Predicted,     ///< a second Linear maps the features to the log-variance
};

struct GaussianLikelihoodHeadOptions {
  Index in = 0;  ///< feature size (> 0: a Linear "mean" maps to out)
  Index out = 0;
  VarianceMode variance = VarianceMode::PerDimension;
  float fixed_logvar = 0.f;  ///< Fixed mode's value, and PerDimension's initial value
  float logvar_min = -10.f;
  float logvar_max = 10.f;
};

/// features (..., in) -> Normal(mean, logvar) over (..., out), for real-valued data.
class GaussianLikelihoodHead : public LikelihoodHead {
 public:
  GaussianLikelihoodHead(const GaussianLikelihoodHeadOptions& options, core::Generator& gen);
  nn::Normal<> forward(const Var& features) const;
  nn::Normal<> operator()(const Var& features) const { return forward(features); }
  std::unique_ptr<nn::Distribution<>> distribution(const Var& features) const override {
    return std::make_unique<nn::Normal<>>(forward(features));
  }
  std::string describe() const override;

  const GaussianLikelihoodHeadOptions options;
  std::shared_ptr<nn::Linear> mean;
  std::shared_ptr<nn::Linear> logvar_proj;  ///< Predicted mode only
  Var logvar;                               ///< PerDimension mode only, (out)
};

struct CategoricalHeadOptions {
  Index in = 0;       ///< feature size, or 0 when the features are the logits
  Index classes = 0;  ///< K
};

/// features (..., in) -> Categorical over K classes (logits (..., K)).
class CategoricalHead : public LikelihoodHead {
 public:
  CategoricalHead(const CategoricalHeadOptions& options, core::Generator& gen);
  nn::Categorical<> forward(const Var& features) const;
  nn::Categorical<> operator()(const Var& features) const { return forward(features); }
  std::unique_ptr<nn::Distribution<>> distribution(const Var& features) const override {
    return std::make_unique<nn::Categorical<>>(forward(features));
  }
  std::string describe() const override;

  const CategoricalHeadOptions options;
  std::shared_ptr<nn::Linear> proj;  ///< null when in = 0
};

struct MixtureHeadOptions {
  Index in = 0;          ///< feature size
  Index components = 0;  ///< K
  Index dims = 0;        ///< D
  float logvar_min = -10.f;
  float logvar_max = 10.f;
};

/// features (..., in) -> MixtureOfGaussians with K components over D dims: Linear
/// maps to the mixture logits (K), the means (K*D) and the log-variances (K*D).
class MixtureHead : public LikelihoodHead {
 public:
  MixtureHead(const MixtureHeadOptions& options, core::Generator& gen);
  nn::MixtureOfGaussians<> forward(const Var& features) const;
  nn::MixtureOfGaussians<> operator()(const Var& features) const { return forward(features); }
  std::unique_ptr<nn::Distribution<>> distribution(const Var& features) const override {
    return std::make_unique<nn::MixtureOfGaussians<>>(forward(features));
  }
  std::string describe() const override;

  const MixtureHeadOptions options;
  std::shared_ptr<nn::Linear> logits;
  std::shared_ptr<nn::Linear> means;
  std::shared_ptr<nn::Linear> logvars;
};

}  // namespace xgrad::models
