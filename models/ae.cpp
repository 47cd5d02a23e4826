#include "xgrad/models/ae.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/latent.hpp"

namespace xgrad::models {

Autoencoder::Autoencoder(const AutoencoderOptions& o, core::Generator& gen) : options(o) {
  const VaeOptions v{.arch = o.arch, .input = o.input, .hidden = o.hidden, .latent = o.latent};
  VaeNetworks nets = make_vae_networks(v, o.input, o.latent, gen);
  encoder = register_module("encoder", std::move(nets.encoder));
  code = register_module("code", nn::make<nn::Linear>(nn::LinearOptions{.in = nets.features, .out = o.latent}, gen));
  decoder = register_module("decoder", std::move(nets.decoder));
  likelihood = register_module("out", std::static_pointer_cast<LikelihoodHead>(nn::make<BernoulliHead>(BernoulliHeadOptions{}, gen)));
  code_density = register_module("code_density", std::make_shared<FittedGaussian>(o.latent));
}

Var Autoencoder::reconstruction_nll(const Batch& input, const Tensor& target) {
  const Var z = code->forward(encoder->forward(flatten_rows(input.x)));
  return models::reconstruction_nll(*likelihood->distribution(decoder->forward(z)), Var(target));
}

StepStats Autoencoder::train_step(const Batch& batch, nn::StepContext& ctx) {
  train();
  const double loss = ctx.minimize(autograd::mean(reconstruction_nll(training_input(batch, ctx.gen), batch.x)));
  return StepStats{.loss = loss, .recon = loss, .kl = 0, .extra = {}};
}

EvalSums Autoencoder::evaluate(const Batch& batch, core::Generator&) {
  autograd::NoGradGuard no_grad;
  eval();
  const double recon = autograd::sum(reconstruction_nll(batch, batch.x)).item();
  train();
  return EvalSums{.neg_elbo = recon, .recon = recon, .kl = 0, .count = batch.size()};
}

Tensor Autoencoder::iwae_log_likelihood(const Batch&, int, core::Generator&) {
  throw core::Error(fmt::format("{}: no importance-weighted log-likelihood: a deterministic autoencoder has no prior "
                                "and no proposal density; compare its reconstruction error instead", kind()));
}

Tensor Autoencoder::encode(const Batch& batch) {
  autograd::NoGradGuard no_grad;
  return code->forward(encoder->forward(flatten_rows(batch.x))).value();
}

Tensor Autoencoder::decode(const Tensor& z, const IndexTensor&) {
  autograd::NoGradGuard no_grad;
  return likelihood->distribution(decoder->forward(Var(z)))->mean().value();
}

Tensor Autoencoder::sample(Index n, core::Generator& gen, const IndexTensor& labels) {
  if (!code_density->fitted())
    throw core::Error(fmt::format("{}: sampling draws from a Gaussian fitted to the training codes, and this model "
                                  "has none (its training did not finish)", kind()));
  return decode(code_density->sample(n, gen), labels);
}

void Autoencoder::finish_training(const nn::Dataset& data) {
  const bool was_training = is_training();
  eval();
  code_density->fit(encode_dataset(*this, data));
  train(was_training);
}

std::string Autoencoder::describe() const {
  return fmt::format("{}({} -> {} code, {})", kind(), options.input, options.latent,
                     options.arch == VaeOptions::Arch::Conv ? "conv" : "mlp");
}

}  // namespace xgrad::models
