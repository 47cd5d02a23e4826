#include "xgrad/models/cvae.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::models {

namespace {

// The batch's labels as one-hot rows (core::one_hot names a label out of range).
Tensor label_rows(const IndexTensor& labels, Index classes) {
  if (!labels.defined()) throw core::ValueError("cvae: the batch has no labels to condition on");
  return core::one_hot<float>(labels, classes);
}

// The batch's labels (one per row) for a network's one-hot columns.
const IndexTensor& labels_of(const Batch& batch) {
  if (!batch.labels.defined()) throw core::ValueError("cvae: the batch has no labels to condition on");
  return batch.labels;
}

std::shared_ptr<nn::Sequential> sequential(std::shared_ptr<nn::Layer> net) {
  auto seq = std::dynamic_pointer_cast<nn::Sequential>(std::move(net));
  if (!seq) throw core::ValueError("cvae: its networks must be Sequential MLPs");
  return seq;
}

}  // namespace

Cvae::Cvae(const CvaeOptions& options, core::Generator& gen) : options(options) {
  const VaeOptions mlp{.input = options.input, .hidden = options.hidden, .latent = options.latent};
  auto nets = make_vae_networks(mlp, options.input + options.classes, options.latent + options.classes, gen);
  encoder = register_module("encoder", sequential(nets.encoder));
  head = register_module("head", nn::make<GaussianHead>(GaussianHeadOptions{.in = nets.features, .out = options.latent}, gen));
  decoder = register_module("decoder", sequential(nets.decoder));
  out = register_module("out", nn::make<BernoulliHead>(BernoulliHeadOptions{}, gen));
  if (options.learned_prior)
    prior_net = register_module(
        "prior", nn::make<GaussianHead>(GaussianHeadOptions{.in = options.classes, .out = options.latent}, gen));
  set_objective(options.objective);
}

DistributionPtr Cvae::posterior(const Batch& batch) {
  const IndexTensor& labels = labels_of(batch);
  if (labels.numel() != batch.x.size(0))
    throw core::ShapeError(fmt::format("cvae: {} images but {} labels", batch.x.size(0), labels.numel()));
  return make_dist(head->forward(encoder->forward_one_hot(flatten_rows(batch.x), labels)));
}

std::unique_ptr<nn::Distribution<>> Cvae::likelihood(const Var& z, const Batch& batch) {
  if (batch.labels.numel() != z.size(0))
    throw core::ShapeError(fmt::format("cvae: {} codes but {} labels", z.size(0), batch.labels.numel()));
  return out->distribution(decoder->forward_one_hot(z, labels_of(batch)));
}

DistributionPtr Cvae::prior_for(const Batch& batch, Index n) {
  if (!prior_net) return prior(n);
  if (batch.labels.numel() != n)
    throw core::ShapeError(fmt::format("cvae: the conditional prior needs {} labels, got {}", n, batch.labels.numel()));
  return make_dist(prior_net->forward(Var(label_rows(batch.labels, options.classes))));
}

std::string Cvae::describe() const {
  return fmt::format("cvae({} + {} classes -> {} latent, {} prior, {})", options.input, options.classes, options.latent,
                     prior_net ? "p(z | y)" : "N(0, I)", objective_.describe());
}

}  // namespace xgrad::models
