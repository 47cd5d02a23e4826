#pragma once
// 2-D convolution and its transpose over NCHW inputs.
#include <array>

#include "xgrad/core/conv.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::nn {

struct Conv2dOptions {
  Index in = 0;   ///< input channels
  Index out = 0;  ///< output channels
  std::array<Index, 2> kernel{3, 3};
  std::array<Index, 2> stride{1, 1};
  std::array<Index, 2> padding{0, 0};
  std::array<Index, 2> dilation{1, 1};
  bool bias = true;
};

class Conv2d : public Layer {
 public:
  /// weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in * kh * kw (PyTorch's default).
  Conv2d(const Conv2dOptions& options, core::Generator& gen);
  /// x (N, in, H, W) -> (N, out, H', W')
  Var forward(const Var& x) override;
  std::string describe() const override;
  /// The stride, padding and dilation forward convolves with.
  core::Conv2dParams params() const;

  const Conv2dOptions options;
  Var weight;  ///< (out, in, kh, kw)
  Var bias;    ///< (out), undefined without bias
};

struct ConvTranspose2dOptions {
  Index in = 0;
  Index out = 0;
  std::array<Index, 2> kernel{3, 3};
  std::array<Index, 2> stride{1, 1};
  std::array<Index, 2> padding{0, 0};
  /// Extra rows/columns at the bottom/right, to pick among the sizes a strided conv maps from.
  std::array<Index, 2> output_padding{0, 0};
  std::array<Index, 2> dilation{1, 1};
  bool bias = true;
};

class ConvTranspose2d : public Layer {
 public:
  /// weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with PyTorch's fan_in = out * kh * kw
  /// (it reads the fan from the weight's second axis).
  ConvTranspose2d(const ConvTranspose2dOptions& options, core::Generator& gen);
  /// x (N, in, H, W) -> (N, out, H', W')
  Var forward(const Var& x) override;
  std::string describe() const override;
  /// The stride, padding and dilation forward convolves with (output_padding is in options).
  core::Conv2dParams params() const;

  const ConvTranspose2dOptions options;
  Var weight;  ///< (in, out, kh, kw)
  Var bias;    ///< (out), undefined without bias
};

}  // namespace xgrad::nn
