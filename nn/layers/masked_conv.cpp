#include "xgrad/nn/layers/masked_conv.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::nn {

template <class T>
core::Tensor<T> causal_mask(Index kh, Index kw, MaskType type) {
  core::Tensor<T> m = core::Tensor<T>::zeros({kh, kw});
  for (Index i = 0; i < kh; ++i)
    for (Index j = 0; j < kw; ++j) {
      const bool before = i < kh / 2 || (i == kh / 2 && j < kw / 2);
      const bool centre = i == kh / 2 && j == kw / 2;
      m.data()[i * kw + j] = (before || (centre && type == MaskType::B)) ? T(1) : T(0);
    }
  return m;
}

template <class T>
autograd::Variable<T> masked_conv2d(const autograd::Variable<T>& x, const autograd::Variable<T>& w,
                                    const autograd::Variable<T>& b, const core::Tensor<T>& mask,
                                    const core::Conv2dParams& p) {
  return autograd::conv2d(x, w * autograd::Variable<T>(mask), b, p);
}

template <class T>
autograd::Variable<T> gated_activation(const autograd::Variable<T>& x) {
  if (x.dim() < 2 || x.size(1) % 2 != 0)
    throw core::ShapeError(fmt::format("gated_activation: input of shape {} has no even channel axis 1", x.shape().str()));
  const auto halves = autograd::split(x, {x.size(1) / 2, x.size(1) / 2}, 1);
  return autograd::tanh(halves[0]) * autograd::sigmoid(halves[1]);
}

#define XGRAD_MASKED_CONV(T)                                                                                       \
  template core::Tensor<T> causal_mask<T>(Index, Index, MaskType);                                                 \
  template autograd::Variable<T> masked_conv2d(const autograd::Variable<T>&, const autograd::Variable<T>&,         \
                                               const autograd::Variable<T>&, const core::Tensor<T>&,               \
                                               const core::Conv2dParams&);                                         \
  template autograd::Variable<T> gated_activation(const autograd::Variable<T>&);
XGRAD_MASKED_CONV(float)
XGRAD_MASKED_CONV(double)
#undef XGRAD_MASKED_CONV

MaskedConv2d::MaskedConv2d(const Conv2dOptions& options, MaskType type, core::Generator& gen)
    : Conv2d(options, gen), type(type), mask(causal_mask<float>(options.kernel[0], options.kernel[1], type)) {
  const bool same = options.kernel[0] % 2 == 1 && options.kernel[1] % 2 == 1 && options.stride == std::array<Index, 2>{1, 1} &&
                    options.dilation == std::array<Index, 2>{1, 1} && options.padding[0] == options.kernel[0] / 2 &&
                    options.padding[1] == options.kernel[1] / 2;
  if (!same)
    throw core::ValueError(fmt::format("MaskedConv2d: needs an odd kernel, stride 1 and padding kernel/2 (got {}x{}, padding {}x{})",
                                       options.kernel[0], options.kernel[1], options.padding[0], options.padding[1]));
}

Var MaskedConv2d::forward(const Var& x) {
  if (x.dim() != 4 || x.size(1) != options.in)
    throw core::ShapeError(fmt::format("MaskedConv2d: input of shape {} is not (N, {}, H, W)", x.shape().str(), options.in));
  core::Conv2dParams p;
  p.padding = options.padding;
  return masked_conv2d(x, weight, bias, mask, p);
}

std::string MaskedConv2d::describe() const {
  return fmt::format("MaskedConv2d({}, {} -> {}, {}x{})", type == MaskType::A ? "A" : "B", options.in, options.out,
                     options.kernel[0], options.kernel[1]);
}

}  // namespace xgrad::nn
