#include "xgrad/nn/layers/linear.hpp"

#include <fmt/format.h>

#include <cmath>

#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

Linear::Linear(const LinearOptions& options, core::Generator& gen) : options(options) {
  if (options.in <= 0 || options.out <= 0)
    throw core::ValueError(fmt::format("Linear: in and out must be positive, got {} and {}", options.in, options.out));
  weight = register_parameter("weight", Tensor({options.out, options.in}));
  // kaiming_uniform_ with a = sqrt(5) is U(-1/sqrt(in), 1/sqrt(in)): PyTorch's choice, kept for parity.
  init::kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (options.bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(options.in));
    bias = register_parameter("bias", Tensor({options.out}));
    init::uniform_(bias, -bound, bound, gen);
  }
}

namespace {
void check_input(const Var& x, Index in) {
  if (x.dim() < 1 || x.size(-1) != in)
    throw core::ShapeError(fmt::format("Linear: input of shape {} does not end in in_features {}", x.shape().str(), in));
}
}  // namespace

Var Linear::forward(const Var& x) {
  check_input(x, options.in);
  return autograd::linear(x, weight, bias);
}

Var Linear::forward_relu(const Var& x) {
  check_input(x, options.in);
  return autograd::linear_relu(x, weight, bias);
}

namespace {
void check_one_hot_input(const Var& x, Index in) {
  if (x.dim() < 1 || x.size(-1) >= in)
    throw core::ShapeError(
        fmt::format("Linear: input of shape {} leaves no one-hot columns of in_features {}", x.shape().str(), in));
}
}  // namespace

Var Linear::forward_one_hot(const Var& x, const IndexTensor& labels) {
  check_one_hot_input(x, options.in);
  return autograd::linear_one_hot(x, labels, weight, bias);
}

Var Linear::forward_one_hot_relu(const Var& x, const IndexTensor& labels) {
  check_one_hot_input(x, options.in);
  return autograd::linear_one_hot_relu(x, labels, weight, bias);
}

std::string Linear::describe() const {
  return fmt::format("Linear({} -> {}{})", options.in, options.out, options.bias ? "" : ", no bias");
}

}  // namespace xgrad::nn
