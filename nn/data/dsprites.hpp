#pragma once
// dSprites (Matthey et al. 2017), generated: 64 x 64 binary images of one white shape
// on black, one image for each of the 3 x 6 x 40 x 32 x 32 = 737,280 combinations of
// the five factors, drawn by a deterministic rasteriser when a batch asks for them
// (nothing is stored or downloaded). The factors, in index order (posY fastest):
//   shape        square, ellipse, heart
//   scale        6 values 0.5, 0.6, ..., 1.0
//   orientation  40 values 2 pi k / 40 in [0, 2 pi)
//   posX, posY   32 values each: the centre at 12 + 40 k / 31 pixels, in [12, 52]
// How a shape is drawn: a pixel (row r, column c) is white when its centre
// p = (c + 0.5, r + 0.5), moved to the shape's frame — u = R(-orientation) (p - centre)
// / (8 scale), so a scale-1 shape spans about 16 pixels — falls inside the shape:
//   square   max(|u_x|, |u_y|) <= 1;
//   ellipse  (u_x / 1.2)^2 + (u_y / 0.6)^2 <= 1;
//   heart    (x^2 + y^2 - 1)^3 <= x^2 y^3 at x = 1.2 u_x, y = 0.15 - 1.2 u_y (the classic
//            implicit heart, point down on screen).
// One sample per pixel (no anti-aliasing), in double: the same bits everywhere. A shape
// near the border may be clipped by it (a rotated scale-1 square reaches 11.3 pixels from
// its centre; the centre is at least 12 from every edge, so it never is at these sizes).
// The original's shapes are bitmaps of similar sizes; its exact pixels are not reproduced.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct DSpritesOptions {
  /// 0: all 737,280 images in index order; > 0: that many distinct ones drawn at random with `seed`.
  core::Index count = 0;
  std::uint64_t seed = 0;
  bool flatten = true;  ///< x is (N, 4096); otherwise (N, 1, 64, 64)
};

/// x = binary images {0, 1}, labels = (B, 5) factor indices (shape, scale, orientation, posX, posY).
class DSprites : public Dataset {
 public:
  static constexpr core::Index kSide = 64;
  static constexpr std::array<core::Index, 5> factor_sizes = {3, 6, 40, 32, 32};
  static constexpr std::array<std::string_view, 5> factor_names = {"shape", "scale", "orientation", "posX", "posY"};
  static constexpr core::Index kCombinations = 3 * 6 * 40 * 32 * 32;
  using Factors = std::array<core::Index, 5>;

  explicit DSprites(const DSpritesOptions& options = {});

  core::Index size() const override { return static_cast<core::Index>(rows_.size()); }
  Batch get_batch(const std::vector<core::Index>& indices) const override;

  /// The images and labels of factor rows (n, 5), whichever rows this dataset holds
  /// (the disentanglement metrics draw their own factors).
  Batch render(const core::IndexTensor& factors) const;

  /// The combination's index in [0, kCombinations) and back.
  static core::Index index_of(const Factors& factors);
  static Factors factors_of(core::Index index);
  /// Draws the image of `factors` into out[0 .. 4096) (row-major, 0 or 1).
  static void draw(const Factors& factors, float* out);

 private:
  std::vector<core::Index> rows_;  ///< combination indices of this dataset's rows
  bool flatten_;
};

}  // namespace xgrad::nn
