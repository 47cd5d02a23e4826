#pragma once
// The sequence models' (VRNN, RnnLm) view of a batch: time-major, padding as a mask.
//   series  Batch.x (B, L, D) floats; a NaN at (b, t, 0) marks step t of row b as padding.
//   text    Batch.labels (B, L + 1) token ids; the models score labels[:, 1:] (L steps,
//           as many scored tokens as a next-character model on the same batch). Ids < 0
//           are padding.
// Padding must come after a row's real steps.
#include <memory>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"

namespace xgrad::models {

/// How step t is scored by default, and so how a batch is read (Categorical: text).
enum class VrnnLikelihood { Gaussian, Mixture, Categorical };

/// The default head of a sequence model, features (..., in) -> p(x_t | .): a Gaussian over
/// x_dim values with predicted variance, a mixture of `components` of them, or `classes` bytes.
std::shared_ptr<LikelihoodHead> sequence_head(VrnnLikelihood likelihood, Index in, Index x_dim, Index classes,
                                              Index components, core::Generator& gen);

struct SequenceInput {
  Tensor x;         ///< (L, B, D) series values, padding as 0 (undefined for text)
  IndexTensor ids;  ///< (L, B) token ids, padding as 0 (undefined for series)
  Tensor target;    ///< batch-major, what the likelihood scores: (B, L, D) values or (B, L) ids as floats
  Tensor mask;      ///< (B, L) 1 for real steps, 0 for padding; undefined when nothing is padded
  Index steps = 0;  ///< L
  Index rows = 0;   ///< B

  /// Reads labels when `text`, else x (B, L, x_dim); throws ShapeError for the other kind.
  static SequenceInput read(const Batch& batch, bool text, Index x_dim, Index classes);
  /// The same from a model's options (anything with likelihood, x_dim and classes).
  template <class Options>
  static SequenceInput from_batch(const Batch& batch, const Options& o) {
    return read(batch, o.likelihood == VrnnLikelihood::Categorical, o.x_dim, o.classes);
  }
  /// A window of values a model produced or was given, batch-major: text ids as floats
  /// (B, T), series (B, T, D). It has no mask, and its target is `values`.
  static SequenceInput of_values(const Tensor& values, bool text);
  /// Each row repeated k times (the k copies of row b are adjacent).
  SequenceInput repeat_rows(Index k) const;
  /// Step t's values (B, D) (series).
  Tensor x_at(Index t) const;
  /// Step t's ids (B,) (text).
  IndexTensor ids_at(Index t) const;
  /// Step t's mask as (B, 1), to broadcast over features; undefined when nothing is padded.
  Tensor mask_at(Index t) const;
  /// Unpadded steps over the batch.
  Index real_steps() const;
};

}  // namespace xgrad::models
