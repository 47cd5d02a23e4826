#include "xgrad/models/sequence_input.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "xgrad/core/error.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::models {

namespace {
/// Row t of a time-major (L, B, ...) tensor, as its own (B, ...) tensor.
template <class T>
core::Tensor<T> time_slice(const core::Tensor<T>& x, Index t) {
  const Index n = x.numel() / x.size(0);
  std::vector<Index> dims;
  for (int a = 1; a < x.dim(); ++a) dims.push_back(x.size(a));
  core::Tensor<T> out{core::Shape(dims)};
  std::memcpy(out.data(), x.data() + t * n, sizeof(T) * n);
  return out;
}
}  // namespace

SequenceInput SequenceInput::read(const Batch& batch, bool text, Index x_dim, Index classes) {
  SequenceInput in;
  bool padded = false;
  if (text) {
    const IndexTensor& lab = batch.labels;
    if (!lab.defined() || lab.dim() != 2 || lab.size(1) < 2)
      throw core::ShapeError("text models need labels (B, L + 1) with L >= 1");
    in.rows = lab.size(0), in.steps = lab.size(1) - 1;
    in.ids = IndexTensor({in.steps, in.rows});
    in.target = Tensor({in.rows, in.steps});
    in.mask = Tensor::ones({in.rows, in.steps});
    for (Index b = 0; b < in.rows; ++b)
      for (Index t = 0; t < in.steps; ++t) {
        Index id = lab.data()[b * (in.steps + 1) + t + 1];
        if (id < 0) padded = true, in.mask.data()[b * in.steps + t] = 0, id = 0;
        if (id >= classes)
          throw core::ValueError(fmt::format("token id {} outside [0, {})", id, classes));
        in.ids.data()[t * in.rows + b] = id;
        in.target.data()[b * in.steps + t] = static_cast<float>(id);
      }
  } else {
    const Tensor& x = batch.x;
    if (!x.defined() || x.dim() != 3 || x.size(2) != x_dim)
      throw core::ShapeError(fmt::format("series models need x (B, L, {}), got {}", x_dim,
                                         x.defined() ? x.shape().str() : "none"));
    in.rows = x.size(0), in.steps = x.size(1);
    const Index d = x_dim;
    in.x = Tensor({in.steps, in.rows, d});
    in.target = Tensor({in.rows, in.steps, d});
    in.mask = Tensor::ones({in.rows, in.steps});
    for (Index b = 0; b < in.rows; ++b)
      for (Index t = 0; t < in.steps; ++t) {
        const float* src = x.data() + (b * in.steps + t) * d;
        float* dst = in.x.data() + (t * in.rows + b) * d;
        const bool pad = std::isnan(src[0]);
        if (pad) padded = true, in.mask.data()[b * in.steps + t] = 0;
        for (Index j = 0; j < d; ++j) dst[j] = in.target.data()[(b * in.steps + t) * d + j] = pad ? 0.f : src[j];
      }
  }
  if (!padded) in.mask = Tensor();
  return in;
}

SequenceInput SequenceInput::of_values(const Tensor& values, bool text) {
  SequenceInput in;
  in.rows = values.size(0), in.steps = values.size(1), in.target = values;
  if (text)
    in.ids = core::permute(values.to<Index>(), {1, 0});
  else
    in.x = core::permute(values, {1, 0, 2});
  return in;
}

SequenceInput SequenceInput::repeat_rows(Index k) const {
  std::vector<Index> idx;
  for (Index b = 0; b < rows; ++b)
    for (Index i = 0; i < k; ++i) idx.push_back(b);
  IndexTensor index(core::Shape{rows * k}, idx);
  SequenceInput out = *this;
  out.rows = rows * k;
  if (x.defined()) out.x = core::index_select(x, 1, index);
  if (ids.defined()) out.ids = core::index_select(ids, 1, index);
  out.target = core::index_select(target, 0, index);
  if (mask.defined()) out.mask = core::index_select(mask, 0, index);
  return out;
}

Tensor SequenceInput::x_at(Index t) const { return time_slice(x, t); }
IndexTensor SequenceInput::ids_at(Index t) const { return time_slice(ids, t); }
Tensor SequenceInput::mask_at(Index t) const {
  if (!mask.defined()) return {};
  Tensor out({rows, 1});
  for (Index b = 0; b < rows; ++b) out.data()[b] = mask.data()[b * steps + t];
  return out;
}

std::shared_ptr<LikelihoodHead> sequence_head(VrnnLikelihood likelihood, Index in, Index x_dim, Index classes,
                                              Index components, core::Generator& gen) {
  switch (likelihood) {
    case VrnnLikelihood::Gaussian:
      return nn::make<GaussianLikelihoodHead>(
          GaussianLikelihoodHeadOptions{.in = in, .out = x_dim, .variance = VarianceMode::Predicted}, gen);
    case VrnnLikelihood::Mixture:
      return nn::make<MixtureHead>(MixtureHeadOptions{.in = in, .components = components, .dims = x_dim}, gen);
    case VrnnLikelihood::Categorical:
      break;
  }
  return nn::make<CategoricalHead>(CategoricalHeadOptions{.in = in, .classes = classes}, gen);
}

Index SequenceInput::real_steps() const {
  if (!mask.defined()) return steps * rows;
  Index n = 0;
  for (float m : mask) n += m > 0.5f;
  return n;
}

}  // namespace xgrad::models
