#pragma once
// Embedding: a lookup table of `num` vectors of size `dim`, indexed by integers.
#include "xgrad/core/random.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

struct EmbeddingOptions {
  Index num = 0;  ///< number of entries (PyTorch's num_embeddings)
  Index dim = 0;  ///< size of each vector (embedding_dim)
};

class Embedding : public Module {
 public:
  /// weight ~ N(0, 1), PyTorch's default.
  Embedding(const EmbeddingOptions& options, core::Generator& gen);
  /// indices of any shape, each in [0, num) -> indices.shape() + (dim); rows that
  /// repeat accumulate their gradients.
  Var forward(const core::IndexTensor& indices);
  Var operator()(const core::IndexTensor& indices) { return forward(indices); }
  std::string describe() const override;

  const EmbeddingOptions options;
  Var weight;  ///< (num, dim)
};

}  // namespace xgrad::nn
