#include "xgrad/models/evaluation/pca.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xgrad/core/linalg.hpp"
#include "xgrad/core/symmetric_eigen.hpp"

namespace xgrad::models {

using core::Index;
using core::Tensor;

namespace {

constexpr Index kChunk = 4096;  // rows converted to double at a time: the covariance never holds all of x in double

/// Rows [start, start + n) of x minus `mean`, in double.
Tensor<double> centred_rows(const Tensor<float>& x, const Tensor<double>& mean, Index start, Index n) {
  const Index d = x.size(1);
  Tensor<double> out(core::Shape{n, d});
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) out.data()[i * d + j] = double(x.data()[(start + i) * d + j]) - mean.data()[j];
  return out;
}

void check_rows(const Tensor<float>& x, Index d, const char* what) {
  if (x.dim() != 2 || x.size(1) != d)
    throw core::ShapeError(fmt::format("Pca::{}: expected rows (N, {}), got {}", what, d, x.shape().str()));
}

}  // namespace

Pca Pca::fit(const Tensor<float>& x, Index k) {
  if (x.dim() != 2 || x.size(0) < 2)
    throw core::ValueError(fmt::format("Pca::fit: needs at least two rows (N, D), got {}", x.shape().str()));
  const Index n = x.size(0), d = x.size(1);
  if (k < 1 || k > d) throw core::ValueError(fmt::format("Pca::fit: k must be in 1..{} (got {})", d, k));
  Pca p;
  p.mean_ = Tensor<double>::zeros(core::Shape{d});
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) p.mean_.data()[j] += x.data()[i * d + j];
  for (Index j = 0; j < d; ++j) p.mean_.data()[j] /= double(n);
  Tensor<double> cov = Tensor<double>::zeros(core::Shape{d, d});
  for (Index start = 0; start < n; start += kChunk) {
    const Tensor<double> c = centred_rows(x, p.mean_, start, std::min(kChunk, n - start));
    core::gemm_(cov, c, c, core::Trans::Yes, core::Trans::No, 1.0 / double(n - 1), 1.0);
  }
  const core::SymmetricEigen e = core::symmetric_eigen(cov);
  p.components_ = Tensor<double>(core::Shape{k, d});
  p.variances_ = Tensor<double>(core::Shape{k});
  for (Index c = 0; c < k; ++c) {
    const double* v = e.vectors.data() + c * d;
    const Index big = std::max_element(v, v + d, [](double a, double b) { return std::abs(a) < std::abs(b); }) - v;
    const double sign = v[big] < 0 ? -1 : 1;
    for (Index j = 0; j < d; ++j) p.components_.data()[c * d + j] = sign * v[j];
    p.variances_.data()[c] = std::max(e.values.data()[c], 0.0);
  }
  return p;
}

Tensor<float> Pca::project(const Tensor<float>& x) const {
  const Index d = mean_.numel(), k = components_.size(0);
  check_rows(x, d, "project");
  const Tensor<double> z = core::matmul(centred_rows(x, mean_, 0, x.size(0)), components_, core::Trans::No, core::Trans::Yes);
  Tensor<float> out(core::Shape{x.size(0), k});
  std::transform(z.data(), z.data() + z.numel(), out.data(), [](double v) { return static_cast<float>(v); });
  return out;
}

Tensor<float> Pca::reconstruct(const Tensor<float>& x) const {
  const Index d = mean_.numel();
  check_rows(x, d, "reconstruct");
  const Tensor<double> z = core::matmul(centred_rows(x, mean_, 0, x.size(0)), components_, core::Trans::No, core::Trans::Yes);
  const Tensor<double> back = core::matmul(z, components_);
  Tensor<float> out(x.shape());
  for (Index i = 0; i < x.size(0); ++i)
    for (Index j = 0; j < d; ++j) out.data()[i * d + j] = static_cast<float>(back.data()[i * d + j] + mean_.data()[j]);
  return out;
}

std::vector<double> Pca::reconstruction_error(const Tensor<float>& x) const {
  const Tensor<float> r = reconstruct(x);
  const Index n = x.size(0), d = x.size(1);
  std::vector<double> out(static_cast<std::size_t>(n), 0.0);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < d; ++j) out[i] += std::pow(double(r.data()[i * d + j]) - x.data()[i * d + j], 2);
    out[i] /= double(std::max<Index>(d, 1));
  }
  return out;
}

}  // namespace xgrad::models
