#pragma once
// CausalDecoder: the autoregressive Transformer that the `transformer` baseline and the
// `transformer-vae` share. Position 0 reads a "first" vector (a learned start, or a code
// the caller passes: the VAE's prefix), position t > 0 reads x_{t-1} embedded (text: an
// Embedding of bytes; series: a Linear of the values); a learned position vector and an
// optional per-row vector (the VAE's added code) are added to every position; a pre-norm
// causal stack (GELU) and the likelihood head give p(x_t | x_<t, ...) at each position.
// Generation feeds one position at a time through the key/value cache while the sequence
// fits in `context` positions (what the position table holds: the training length), and
// slides a window of the last `context` positions beyond.
#include <functional>
#include <memory>

#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/sequence_input.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/transformer.hpp"

namespace xgrad::models {

struct CausalDecoderOptions {
  VrnnLikelihood likelihood = VrnnLikelihood::Categorical;  ///< how batches are read, and the default head
  Index x_dim = 1;          ///< features per step (series)
  Index classes = 256;      ///< symbols (text)
  Index d_model = 128;
  Index heads = 4;
  Index layers = 2;
  Index feedforward = 512;
  float dropout = 0.f;
  Index context = 64;       ///< positions (the training sequence length)
  Index components = 5;     ///< mixture components (series, Mixture)
};

/// Values batch-major (B, T[, D]) -> (B, T, d): an Embedding of byte ids (text, ids as floats)
/// or a Linear of the values (series). The encoder and the decoder each have one.
class ValueEmbedding : public nn::Module {
 public:
  ValueEmbedding(const CausalDecoderOptions& options, core::Generator& gen);
  Var forward(const Tensor& values) const;
  std::string describe() const override { return "ValueEmbedding"; }

 private:
  std::shared_ptr<nn::Embedding> ids_;
  std::shared_ptr<nn::Linear> values_;
};

class CausalDecoder : public nn::Module {
 public:
  /// With the default head of options.likelihood (sequence_head) when `out` is null.
  CausalDecoder(const CausalDecoderOptions& options, std::shared_ptr<LikelihoodHead> out, core::Generator& gen);

  /// Features (B, L, d_model) of teacher-forced values (B, L[, D]) (batch-major, as
  /// SequenceInput::target): `first` (B, d_model) at position 0 (undefined: the learned
  /// start), `added` (B, d_model) added to every position (undefined: nothing). `mask` (B, L),
  /// 0 at padded steps (SequenceInput::mask; undefined: none): no position attends to a
  /// padded value.
  Var features(const Tensor& values, const Var& first = {}, const Var& added = {}, const Tensor& mask = {}) const;
  /// p(x_t | x_<t, ...) over (B, L[, D]) from features.
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& features) const { return out_->distribution(features); }
  /// What generation emits from p(x_t | ...): text ids as floats (n), series values (n, D).
  using Pick = std::function<Tensor(const nn::Distribution<>&)>;
  /// n rows: `prefix` (n, P[, D], may be undefined) read, then `length` values picked and fed
  /// back. Returns [prefix, x_1 .. x_length] batch-major. No gradient.
  Tensor unroll(Index n, const Tensor& prefix, Index length, const Pick& pick, const Var& first = {},
                const Var& added = {});
  std::string describe() const override;

  const CausalDecoderOptions options;
  bool text() const { return options.likelihood == VrnnLikelihood::Categorical; }

 private:
  /// (B, T, d_model) input vectors of positions [offset, offset + T) of [first, embed(values)].
  Var inputs(const Var& first, const Tensor& values, Index offset, const Var& added) const;
  Var start(Index rows) const;

  std::shared_ptr<ValueEmbedding> embed_;
  std::shared_ptr<nn::LearnedPositionalEncoding> positions_;
  std::shared_ptr<nn::CausalTransformer> stack_;
  std::shared_ptr<LikelihoodHead> out_;
  Var start_;  ///< (d_model) the learned vector at position 0
};

/// ValueError naming `who` unless every row of `in` has a real (unpadded) step: a row of
/// padding alone has nothing to attend to.
void require_real_steps(const SequenceInput& in, const char* who);

/// The shared options' Transformer layer (pre-norm, GELU, as GPT-2).
nn::TransformerLayerOptions transformer_layer(const CausalDecoderOptions& o);

}  // namespace xgrad::models
