#include "xgrad/models/common/fitted_gaussian.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "xgrad/core/cholesky.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/models/common/latent.hpp"

namespace xgrad::models {

FittedGaussian::FittedGaussian(Index dim) : dim_(dim) {
  if (dim < 1) throw core::ValueError(fmt::format("FittedGaussian: dim must be >= 1 (got {})", dim));
  mean_ = register_buffer("mean", Tensor::zeros({dim}));
  scale_tril_ = register_buffer("scale_tril", Tensor::zeros({dim, dim}));
  fitted_ = register_buffer("fitted", Tensor::scalar(0.f));
}

void FittedGaussian::fit(const Tensor& codes) {
  if (codes.dim() != 2 || codes.size(1) != dim_)
    throw core::ShapeError(fmt::format("FittedGaussian: codes must be (N, {}), got {}", dim_, codes.shape().str()));
  const CodeMoments m = code_moments(codes);
  core::Tensor<double> cov = m.cov.to<double>();
  double mean_var = 0;
  for (Index a = 0; a < dim_; ++a) mean_var += cov.at({a, a}) / static_cast<double>(dim_);
  const double ridge = std::max(1e-6 * mean_var, 1e-12);
  for (Index a = 0; a < dim_; ++a) cov.at({a, a}) += ridge;
  scale_tril_.value_mut() = core::cholesky(cov).to<float>();
  mean_.value_mut() = m.mean;
  fitted_.value_mut() = Tensor::scalar(1.f);
}

Tensor FittedGaussian::sample(Index n, core::Generator& gen) const {
  if (!fitted()) throw core::Error("FittedGaussian: sampling before fit() (no codes have been fitted)");
  Tensor z = core::matmul(core::normal<float>({n, dim_}, 0.f, 1.f, gen), scale_tril(), core::Trans::No, core::Trans::Yes);
  const float* mu = mean().data();
  for (Index i = 0; i < n; ++i)
    for (Index a = 0; a < dim_; ++a) z.data()[i * dim_ + a] += mu[a];
  return z;
}

std::string FittedGaussian::describe() const { return fmt::format("FittedGaussian({}{})", dim_, fitted() ? "" : ", unfitted"); }

}  // namespace xgrad::models
