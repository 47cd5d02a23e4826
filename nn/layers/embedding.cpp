#include "xgrad/nn/layers/embedding.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

Embedding::Embedding(const EmbeddingOptions& options, core::Generator& gen) : options(options) {
  if (options.num <= 0 || options.dim <= 0)
    throw core::ValueError(
        fmt::format("Embedding: num and dim must be positive, got {} and {}", options.num, options.dim));
  weight = register_parameter("weight", Tensor({options.num, options.dim}));
  init::normal_(weight, 0.0, 1.0, gen);
}

Var Embedding::forward(const core::IndexTensor& indices) {
  for (Index i : indices)
    if (i < 0 || i >= options.num)
      throw core::ValueError(fmt::format("Embedding: index {} is outside [0, {})", i, options.num));
  return autograd::embedding(weight, indices);
}

std::string Embedding::describe() const { return fmt::format("Embedding({} x {})", options.num, options.dim); }

}  // namespace xgrad::nn
