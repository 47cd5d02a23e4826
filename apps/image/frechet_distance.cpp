#include "image/frechet_distance.hpp"

#include <algorithm>
#include <cmath>

#include "xgrad/core/error.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/core/symmetric_eigen.hpp"

namespace xgrad::apps {

namespace {

using core::Index;
using core::Tensor;

struct Moments {
  Tensor<double> mean;  ///< (F)
  Tensor<double> cov;   ///< (F, F), unbiased
};

Moments moments(const Tensor<float>& x) {
  const Index n = x.size(0), f = x.size(1);
  Moments m{Tensor<double>::zeros({f}), Tensor<double>()};
  Tensor<double> centred({n, f});
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < f; ++j) m.mean.data()[j] += x.data()[i * f + j];
  for (Index j = 0; j < f; ++j) m.mean.data()[j] /= static_cast<double>(n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < f; ++j) centred.data()[i * f + j] = x.data()[i * f + j] - m.mean.data()[j];
  m.cov = core::matmul(centred, centred, core::Trans::Yes, core::Trans::No);
  for (double& v : m.cov) v /= static_cast<double>(std::max<Index>(n - 1, 1));
  return m;
}

/// The symmetric square root V^T diag(sqrt(w)) V of a positive semi-definite s (rounding's
/// small negative eigenvalues read as 0).
Tensor<double> sqrt_psd(const Tensor<double>& s) {
  auto [w, v] = core::symmetric_eigen(s);
  Tensor<double> scaled = v;  // row i: sqrt(w_i) v_i
  const Index f = s.size(0);
  for (Index i = 0; i < f; ++i)
    for (Index j = 0; j < f; ++j) scaled.data()[i * f + j] *= std::sqrt(std::max(w.data()[i], 0.0));
  return core::matmul(v, scaled, core::Trans::Yes, core::Trans::No);
}

}  // namespace

double frechet_distance(const Tensor<float>& a, const Tensor<float>& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
    throw core::ShapeError("frechet_distance: feature sets must be (N, F) with the same F");
  const Moments p = moments(a), q = moments(b);
  // tr((S1 S2)^(1/2)) = sum sqrt(eig(R S2 R)) with R = S1^(1/2): a symmetric form, so
  // the symmetric eigen-solver (LAPACK) applies.
  const Tensor<double> r = sqrt_psd(p.cov);
  double tr_sqrt = 0;
  for (double e : core::symmetric_eigen(core::matmul(core::matmul(r, q.cov), r)).values)
    tr_sqrt += std::sqrt(std::max(e, 0.0));
  const Index f = a.size(1);
  double d = 0;
  for (Index i = 0; i < f; ++i) {
    const double dm = p.mean.data()[i] - q.mean.data()[i];
    d += dm * dm + p.cov.data()[i * f + i] + q.cov.data()[i * f + i];
  }
  return d - 2 * tr_sqrt;
}

}  // namespace xgrad::apps
