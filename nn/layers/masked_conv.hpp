#pragma once
// The causal pieces of a PixelCNN (van den Oord et al. 2016): a convolution whose
// kernel sees only the pixels before the centre in raster order — type A also
// hides the centre (the first layer: a pixel must not see itself), type B shows it
// (later layers: the centre holds features of the pixels before it) — and the
// gated activation tanh(a) * sigmoid(b) over the two halves of the channels.
#include "xgrad/autograd/variable.hpp"
#include "xgrad/nn/layers/conv.hpp"

namespace xgrad::nn {

enum class MaskType { A, B };

/// (kh, kw) of 1s for the kernel taps a masked convolution keeps, 0s elsewhere.
template <class T>
core::Tensor<T> causal_mask(Index kh, Index kw, MaskType type);

/// conv2d(x, w * mask, b): the gradient of the hidden taps of w is 0.
template <class T>
autograd::Variable<T> masked_conv2d(const autograd::Variable<T>& x, const autograd::Variable<T>& w,
                                    const autograd::Variable<T>& b, const core::Tensor<T>& mask,
                                    const core::Conv2dParams& p);

/// x (N, 2C, ...) -> tanh(x[:, :C]) * sigmoid(x[:, C:]) (N, C, ...).
template <class T>
autograd::Variable<T> gated_activation(const autograd::Variable<T>& x);

/// Conv2d with a causal mask; odd kernels, stride 1 and "same" padding keep the causal order.
class MaskedConv2d : public Conv2d {
 public:
  MaskedConv2d(const Conv2dOptions& options, MaskType type, core::Generator& gen);
  Var forward(const Var& x) override;
  std::string describe() const override;

  const MaskType type;
  const Tensor mask;  ///< (kh, kw), broadcast over the channels
};

class GatedActivation : public Layer {
 public:
  Var forward(const Var& x) override { return gated_activation(x); }
  std::string describe() const override { return "GatedActivation"; }
};

}  // namespace xgrad::nn
