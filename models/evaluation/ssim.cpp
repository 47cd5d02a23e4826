#include "xgrad/models/evaluation/ssim.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xgrad/core/error.hpp"

namespace xgrad::models {

using core::Index;

namespace {

/// The normalised 1-D Gaussian of `side` taps (the 2-D window is its outer product).
std::vector<double> gaussian_taps(Index side, double sigma) {
  std::vector<double> g(static_cast<std::size_t>(side));
  const double mid = double(side - 1) / 2;
  double sum = 0;
  for (Index i = 0; i < side; ++i) sum += g[i] = std::exp(-(i - mid) * (i - mid) / (2 * sigma * sigma));
  for (double& v : g) v /= sum;
  return g;
}

/// The Gaussian-weighted means of f over every valid window of a plane h x w, as a
/// separable filter (rows, then columns): (h - side + 1) x (w - side + 1) values.
template <class F>
std::vector<double> window_means(F f, Index h, Index w, const std::vector<double>& g) {
  const auto side = static_cast<Index>(g.size());
  const Index oh = h - side + 1, ow = w - side + 1;
  std::vector<double> across(static_cast<std::size_t>(h * ow), 0.0), out(static_cast<std::size_t>(oh * ow), 0.0);
  for (Index r = 0; r < h; ++r)
    for (Index c = 0; c < ow; ++c)
      for (Index j = 0; j < side; ++j) across[r * ow + c] += g[j] * f(r * w + c + j);
  for (Index r = 0; r < oh; ++r)
    for (Index c = 0; c < ow; ++c)
      for (Index i = 0; i < side; ++i) out[r * ow + c] += g[i] * across[(r + i) * ow + c];
  return out;
}

/// Mean SSIM of one plane a against b (h x w) with window taps g.
double plane_ssim(const float* a, const float* b, Index h, Index w, const std::vector<double>& g, double c1, double c2) {
  const auto ma = window_means([a](Index i) { return double(a[i]); }, h, w, g);
  const auto mb = window_means([b](Index i) { return double(b[i]); }, h, w, g);
  const auto saa = window_means([a](Index i) { return double(a[i]) * a[i]; }, h, w, g);
  const auto sbb = window_means([b](Index i) { return double(b[i]) * b[i]; }, h, w, g);
  const auto sab = window_means([a, b](Index i) { return double(a[i]) * b[i]; }, h, w, g);
  double total = 0;
  for (std::size_t k = 0; k < ma.size(); ++k) {
    const double va = saa[k] - ma[k] * ma[k], vb = sbb[k] - mb[k] * mb[k], cov = sab[k] - ma[k] * mb[k];
    total += (2 * ma[k] * mb[k] + c1) * (2 * cov + c2) / ((ma[k] * ma[k] + mb[k] * mb[k] + c1) * (va + vb + c2));
  }
  return total / double(ma.size());
}

}  // namespace

std::vector<double> ssim_per_image(const core::Tensor<float>& images, const core::Tensor<float>& clean, Index height,
                                   Index width, Index channels, const SsimOptions& o) {
  const Index plane = height * width, per_row = plane * channels;
  if (height < 1 || width < 1 || channels < 1 || images.dim() < 1 || images.shape() != clean.shape() ||
      images.numel() != images.size(0) * per_row)
    throw core::ShapeError(fmt::format("ssim: images {} and clean {} are not rows of {} x {} x {}", images.shape().str(),
                                       clean.shape().str(), channels, height, width));
  Index side = std::min({o.window, height, width});
  if (side % 2 == 0) --side;
  const std::vector<double> g = gaussian_taps(side, o.sigma);
  const double c1 = std::pow(0.01 * o.range, 2), c2 = std::pow(0.03 * o.range, 2);
  std::vector<double> out(static_cast<std::size_t>(images.size(0)), 0.0);
  for (Index n = 0; n < images.size(0); ++n) {
    for (Index ch = 0; ch < channels; ++ch) {
      const Index at = n * per_row + ch * plane;
      out[n] += plane_ssim(images.data() + at, clean.data() + at, height, width, g, c1, c2) / double(channels);
    }
  }
  return out;
}

}  // namespace xgrad::models
