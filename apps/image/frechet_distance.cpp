#include "image/frechet_distance.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "xgrad/core/error.hpp"

namespace xgrad::apps {

namespace {

using Mat = std::vector<double>;  // row-major square

void mean_cov(const core::Tensor<float>& x, std::vector<double>& mu, Mat& cov) {
  const auto n = x.size(0), f = x.size(1);
  mu.assign(static_cast<std::size_t>(f), 0.0);
  cov.assign(static_cast<std::size_t>(f * f), 0.0);
  for (core::Index i = 0; i < n; ++i)
    for (core::Index j = 0; j < f; ++j) mu[j] += x.data()[i * f + j];
  for (auto& m : mu) m /= static_cast<double>(n);
  for (core::Index i = 0; i < n; ++i)
    for (core::Index j = 0; j < f; ++j) {
      const double dj = x.data()[i * f + j] - mu[j];
      for (core::Index k = j; k < f; ++k) cov[j * f + k] += dj * (x.data()[i * f + k] - mu[k]);
    }
  for (core::Index j = 0; j < f; ++j)
    for (core::Index k = j; k < f; ++k) cov[k * f + j] = cov[j * f + k] /= static_cast<double>(std::max<core::Index>(n - 1, 1));
}

// Symmetric eigen-decomposition by cyclic Jacobi rotations (F is small: 128).
void jacobi(Mat a, std::size_t n, std::vector<double>& w, Mat& v) {
  v.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-22) break;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq, a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk, a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq, v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  w.resize(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = a[i * n + i];
}

}  // namespace

double frechet_distance(const core::Tensor<float>& a, const core::Tensor<float>& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
    throw core::ShapeError("frechet_distance: feature sets must be (N, F) with the same F");
  const auto f = static_cast<std::size_t>(a.size(1));
  std::vector<double> m1, m2, w;
  Mat s1, s2, v;
  mean_cov(a, m1, s1);
  mean_cov(b, m2, s2);
  // tr((S1 S2)^(1/2)) = sum sqrt(eig(R S2 R)) with R = S1^(1/2), a symmetric form.
  jacobi(s1, f, w, v);
  Mat r(f * f, 0.0);
  for (std::size_t i = 0; i < f; ++i)
    for (std::size_t j = 0; j < f; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < f; ++k) s += v[i * f + k] * std::sqrt(std::max(w[k], 0.0)) * v[j * f + k];
      r[i * f + j] = s;
    }
  Mat t(f * f, 0.0), m(f * f, 0.0);
  for (std::size_t i = 0; i < f; ++i)
    for (std::size_t k = 0; k < f; ++k)
      for (std::size_t j = 0; j < f; ++j) t[i * f + j] += r[i * f + k] * s2[k * f + j];
  for (std::size_t i = 0; i < f; ++i)
    for (std::size_t k = 0; k < f; ++k)
      for (std::size_t j = 0; j < f; ++j) m[i * f + j] += t[i * f + k] * r[k * f + j];
  jacobi(m, f, w, v);
  double tr_sqrt = 0;
  for (double e : w) tr_sqrt += std::sqrt(std::max(e, 0.0));
  double d = 0;
  for (std::size_t i = 0; i < f; ++i) d += (m1[i] - m2[i]) * (m1[i] - m2[i]) + s1[i * f + i] + s2[i * f + i];
  return d - 2 * tr_sqrt;
}

}  // namespace xgrad::apps
