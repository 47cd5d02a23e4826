#include "xgrad/models/common/restoration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "xgrad/autograd/variable.hpp"
#include "xgrad/models/evaluation/ssim.hpp"

namespace xgrad::models {

std::vector<double> psnr_per_image(const Tensor& images, const Tensor& clean) {
  if (images.numel() != clean.numel() || images.dim() < 1 || clean.dim() < 1 || images.size(0) != clean.size(0))
    throw core::ShapeError(fmt::format("psnr: images {} and clean images {} do not match", images.shape().str(),
                                       clean.shape().str()));
  const Index n = images.size(0), d = n == 0 ? 0 : images.numel() / n;
  std::vector<double> out(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    double se = 0;
    for (Index j = 0; j < d; ++j) {
      const double e = static_cast<double>(images.data()[i * d + j]) - clean.data()[i * d + j];
      se += e * e;
    }
    out[static_cast<std::size_t>(i)] = -10 * std::log10(std::max(se / static_cast<double>(d), 1e-10));
  }
  return out;
}

ImageShape image_shape_of(const Tensor& x) {
  if (x.dim() == 4) return {x.size(1), x.size(2), x.size(3)};
  if (x.dim() == 3) return {1, x.size(1), x.size(2)};
  if (x.dim() == 2)
    for (const Index channels : {1, 3}) {  // flat rows of the image folders' colour images too
      const auto side = static_cast<Index>(std::lround(std::sqrt(double(x.size(1) / channels))));
      if (channels * side * side == x.size(1)) return {channels, side, side};
    }
  return {};
}

namespace {

/// Adds the SSIM of each image of `images` against `clean` to `sum`; NaN without a shape.
void add_ssim(double& sum, const Tensor& images, const Tensor& clean, const ImageShape& s) {
  if (s.channels == 0) {
    sum = std::nan("");
    return;
  }
  for (double v : ssim_per_image(images, clean, s.height, s.width, s.channels)) sum += v;
}

}  // namespace

Restoration restoration_psnr(GenerativeModel& model, const nn::Dataset& corrupted, Index batch_size) {
  if (batch_size < 1) throw core::ValueError(fmt::format("restoration_psnr: batch_size must be >= 1, got {}", batch_size));
  autograd::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  Restoration r;
  for (Index start = 0; start < corrupted.size(); start += batch_size) {
    std::vector<Index> idx(static_cast<std::size_t>(std::min(batch_size, corrupted.size() - start)));
    std::iota(idx.begin(), idx.end(), start);
    const Batch b = corrupted.get_batch(idx);
    if (!b.y.defined()) throw core::ValueError("restoration_psnr: the batches carry no clean images y");
    const Tensor out = model.reconstruct(b);
    for (double p : psnr_per_image(out, b.y)) r.output_psnr += p;
    for (double p : psnr_per_image(b.x, b.y)) r.input_psnr += p;
    add_ssim(r.output_ssim, out.reshape(b.y.shape()), b.y, image_shape_of(b.y));
    add_ssim(r.input_ssim, b.x, b.y, image_shape_of(b.y));
    r.images += b.size();
  }
  if (r.images > 0)
    for (double* v : {&r.output_psnr, &r.input_psnr, &r.output_ssim, &r.input_ssim}) *v /= static_cast<double>(r.images);
  model.train(was_training);
  return r;
}

}  // namespace xgrad::models
