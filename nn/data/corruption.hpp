#pragma once
// Corruptions of images with pixels in [0, 1], as seeded data transforms: what a
// denoising model sees instead of the clean image during training, and the corrupted
// inputs a restoration is measured on. Four kinds, written as a spec:
//   gaussian:SIGMA  x + SIGMA * N(0, 1) per pixel, clamped to [0, 1] (the range of a
//                   pixel, and of what a Bernoulli likelihood can score)
//   mask:P          each pixel set to 0 with probability P (the masking noise of
//                   Vincent et al. 2008)
//   salt:P          each pixel replaced with probability P, by 0 or 1 with equal odds
//                   (salt-and-pepper noise)
//   block:S         one S x S square per image set to 0, at a position drawn uniformly
//                   among those where it fits
// Draws are made pixel by pixel in row-major order on the calling thread, so a
// generator state gives the same corruption on any thread count.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct Corruption {
  enum class Kind { Gaussian, Mask, SaltPepper, Block };
  Kind kind = Kind::Mask;
  double amount = 0.25;  ///< SIGMA, P, P or S (a whole number)

  /// "gaussian:0.3", "mask:0.5", "salt:0.1" or "block:12"; core::ValueError naming the
  /// spec and what is wrong with it (unknown kind, missing or malformed number, out of range).
  static Corruption parse(const std::string& spec);
  /// The spec back ("mask:0.5").
  std::string str() const;

  /// A corrupted copy of images x: (B, D) with D a square number (needed by block
  /// only), (B, H, W) or (B, C, H, W) (one block position for all channels of a row).
  core::Tensor<float> apply(const core::Tensor<float>& x, core::Generator& gen) const;
  /// The batch with x corrupted; y and labels kept.
  Batch apply(const Batch& batch, core::Generator& gen) const;
};

/// A dataset whose x is `base`'s corrupted and whose y is `base`'s clean x (its own y is
/// dropped). Row i is corrupted by a generator seeded from (seed, i) alone, so it is the
/// same in any batch, order or thread count: every model measured on it sees the same inputs.
class CorruptedDataset : public Dataset {
 public:
  CorruptedDataset(std::shared_ptr<const Dataset> base, Corruption corruption, std::uint64_t seed);
  core::Index size() const override { return base_->size(); }
  Batch get_batch(const std::vector<core::Index>& indices) const override;

 private:
  std::shared_ptr<const Dataset> base_;
  Corruption corruption_;
  std::uint64_t seed_;
};

}  // namespace xgrad::nn
