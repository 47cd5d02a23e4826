#include "xgrad/models/common/pixelcnn_prior.hpp"

#include <fmt/format.h>


#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::models {

namespace {

std::shared_ptr<nn::Conv2d> conv1x1(Index in, Index out, core::Generator& gen) {
  return nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = in, .out = out, .kernel = {1, 1}}, gen);
}

std::shared_ptr<nn::MaskedConv2d> masked(Index in, Index out, Index k, nn::MaskType type, core::Generator& gen) {
  return nn::make<nn::MaskedConv2d>(nn::Conv2dOptions{.in = in, .out = out, .kernel = {k, k}, .padding = {k / 2, k / 2}},
                                    type, gen);
}

}  // namespace

PixelCnnPrior::PixelCnnPrior(const PixelCnnPriorOptions& o, core::Generator& gen) : options(o) {
  if (o.codes < 2 || o.height < 1 || o.width < 1 || o.channels < 1 || o.layers < 0)
    throw core::ValueError(fmt::format("PixelCnnPrior: needs codes >= 2 and positive sizes (got codes {}, {}x{}, "
                                       "channels {}, layers {})", o.codes, o.height, o.width, o.channels, o.layers));
  const Index c = o.channels;
  embed_ = register_module("embed", nn::make<nn::Embedding>(nn::EmbeddingOptions{.num = o.codes, .dim = c}, gen));
  first_ = register_module("first", masked(c, 2 * c, 7, nn::MaskType::A, gen));
  for (Index i = 0; i < o.layers; ++i) {
    gated_.push_back(register_module(fmt::format("gated{}", i), masked(c, 2 * c, 3, nn::MaskType::B, gen)));
    mix_.push_back(register_module(fmt::format("mix{}", i), conv1x1(c, c, gen)));
  }
  hidden_ = register_module("hidden", conv1x1(c, c, gen));
  out_ = register_module("out", conv1x1(c, o.codes, gen));
}

Var PixelCnnPrior::logits(const core::IndexTensor& grids) {
  const Index hw = options.height * options.width;
  if (grids.dim() != 2 || grids.size(1) != hw)
    throw core::ShapeError(fmt::format("PixelCnnPrior: code grids of shape {} are not (B, {})", grids.shape().str(), hw));
  const Index b = grids.size(0);
  Var x = autograd::reshape(embed_->forward(grids), {b, options.height, options.width, options.channels});
  Var h = nn::gated_activation(first_->forward(autograd::permute(x, {0, 3, 1, 2})));
  for (std::size_t i = 0; i < gated_.size(); ++i)
    h = h + mix_[i]->forward(nn::gated_activation(gated_[i]->forward(h)));
  return out_->forward(autograd::relu(hidden_->forward(autograd::relu(h))));
}

Var PixelCnnPrior::neg_log_prob(const core::IndexTensor& grids) {
  const Var l = autograd::permute(logits(grids), {0, 2, 3, 1});  // (B, H, W, K): the classes last
  const Var ce = autograd::cross_entropy(l, grids.reshape({grids.size(0), options.height, options.width}));
  return autograd::sum(ce, {1, 2});
}

core::IndexTensor PixelCnnPrior::sample(Index n, core::Generator& gen, double temperature) {
  check_temperature(temperature, "PixelCnnPrior");
  autograd::NoGradGuard no_grad;
  const auto inv_t = static_cast<float>(1.0 / temperature);
  eval();
  const Index hw = options.height * options.width, k = options.codes;
  core::IndexTensor grids = core::IndexTensor::zeros({n, hw});
  for (Index pos = 0; pos < hw; ++pos) {
    // Every position after `pos` is masked out of position pos's logits, so the zeros
    // there are never read; one pass per position draws the grid in raster order.
    const core::Tensor<float> l = logits(grids).value();  // (n, K, H, W)
    core::Tensor<float> probs({n, k});
    for (Index i = 0; i < n; ++i)
      for (Index c = 0; c < k; ++c) probs.data()[i * k + c] = l.data()[(i * k + c) * hw + pos] * inv_t;
    const core::IndexTensor drawn = core::categorical(autograd::softmax(Var(probs), 1).value(), gen);
    for (Index i = 0; i < n; ++i) grids.data()[i * hw + pos] = drawn.data()[i];
  }
  return grids;
}

std::string PixelCnnPrior::describe() const {
  return fmt::format("PixelCnnPrior({} codes on {}x{}, {} channels, {} gated layers)", options.codes, options.height,
                     options.width, options.channels, options.layers);
}

}  // namespace xgrad::models
