#include "xgrad/nn/layers/conv.hpp"

#include <fmt/format.h>

#include <cmath>

#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

namespace {

template <class Options>
void check_options(const char* layer, const Options& o) {
  const bool ok = o.in > 0 && o.out > 0 && o.kernel[0] > 0 && o.kernel[1] > 0 && o.stride[0] > 0 && o.stride[1] > 0 &&
                  o.padding[0] >= 0 && o.padding[1] >= 0 && o.dilation[0] > 0 && o.dilation[1] > 0;
  if (!ok)
    throw core::ValueError(
        fmt::format("{}: channels, kernel, stride and dilation must be positive and padding "
                    "non-negative (in {}, out {}, kernel {}x{}, stride {}x{}, padding {}x{}, "
                    "dilation {}x{})",
                    layer, o.in, o.out, o.kernel[0], o.kernel[1], o.stride[0], o.stride[1], o.padding[0], o.padding[1],
                    o.dilation[0], o.dilation[1]));
}

void check_input(const char* layer, const Var& x, Index channels) {
  if (x.dim() != 4 || x.size(1) != channels)
    throw core::ShapeError(fmt::format("{}: input of shape {} is not (N, {}, H, W)", layer, x.shape().str(), channels));
}

template <class Options>
core::Conv2dParams params(const Options& o) {
  core::Conv2dParams p;
  p.stride = o.stride;
  p.padding = o.padding;
  p.dilation = o.dilation;
  return p;
}

// PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a = sqrt(5)) on the weight, and
// the bias uniform in +-1/sqrt(fan_in) with the same fan_in.
void init_conv(Var& weight, Var& bias, core::Generator& gen) {
  init::kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(init::fans(weight.shape()).first));
    init::uniform_(bias, -bound, bound, gen);
  }
}

}  // namespace

Conv2d::Conv2d(const Conv2dOptions& options, core::Generator& gen) : options(options) {
  check_options("Conv2d", options);
  weight = register_parameter("weight", Tensor({options.out, options.in, options.kernel[0], options.kernel[1]}));
  if (options.bias) bias = register_parameter("bias", Tensor({options.out}));
  init_conv(weight, bias, gen);
}

Var Conv2d::forward(const Var& x) {
  check_input("Conv2d", x, options.in);
  return autograd::conv2d(x, weight, bias, params());
}

core::Conv2dParams Conv2d::params() const { return nn::params(options); }

std::string Conv2d::describe() const {
  const auto& o = options;
  return fmt::format("Conv2d({} -> {}, kernel {}x{}, stride {}x{}, padding {}x{})", o.in, o.out, o.kernel[0],
                     o.kernel[1], o.stride[0], o.stride[1], o.padding[0], o.padding[1]);
}

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& options, core::Generator& gen) : options(options) {
  check_options("ConvTranspose2d", options);
  const auto& op = options.output_padding;
  // As in PyTorch: output padding must be smaller than the stride or the dilation.
  for (int i = 0; i < 2; ++i)
    if (op[i] < 0 || (op[i] >= options.stride[i] && op[i] >= options.dilation[i]))
      throw core::ValueError(
          fmt::format("ConvTranspose2d: output_padding {}x{} must be smaller than the stride {}x{} "
                      "or the dilation {}x{}",
                      op[0], op[1], options.stride[0], options.stride[1], options.dilation[0], options.dilation[1]));
  weight = register_parameter("weight", Tensor({options.in, options.out, options.kernel[0], options.kernel[1]}));
  if (options.bias) bias = register_parameter("bias", Tensor({options.out}));
  init_conv(weight, bias, gen);
}

Var ConvTranspose2d::forward(const Var& x) {
  check_input("ConvTranspose2d", x, options.in);
  return autograd::conv_transpose2d(x, weight, bias, params(), options.output_padding);
}

core::Conv2dParams ConvTranspose2d::params() const { return nn::params(options); }

std::string ConvTranspose2d::describe() const {
  const auto& o = options;
  return fmt::format("ConvTranspose2d({} -> {}, kernel {}x{}, stride {}x{}, padding {}x{}, output_padding {}x{})", o.in,
                     o.out, o.kernel[0], o.kernel[1], o.stride[0], o.stride[1], o.padding[0], o.padding[1],
                     o.output_padding[0], o.output_padding[1]);
}

}  // namespace xgrad::nn
