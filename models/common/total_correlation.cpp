#include "xgrad/models/common/total_correlation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/error.hpp"

namespace xgrad::models {

namespace ag = autograd;
using core::Index;

namespace {

template <class T>
ag::Variable<T> to_batch(const ag::Variable<T>& p, const core::Shape& shape) {
  return p.shape() == shape ? p : ag::broadcast_to(p, shape);
}

void check_codes(const core::Shape& batch, const core::Shape& z, const char* what) {
  if (z.rank() != 2 || batch != z)
    throw core::ShapeError(fmt::format("{}: codes must be (B, D) like the posterior's batch", what));
}

/// log of the minibatch-stratified sampling weights (B, B): row i weighs its own example
/// 1/N, the next one (cyclically) (N - M) / (N M) and the other M - 1 = B - 2 examples 1/M,
/// with M = B - 1 (Chen et al. 2018, App. C.2; rows sum to 1).
template <class T>
core::Tensor<T> stratified_log_weights(Index b, std::int64_t n) {
  const double m = static_cast<double>(b - 1), nd = static_cast<double>(n);
  core::Tensor<T> w = core::Tensor<T>::full(core::Shape{b, b}, static_cast<T>(-std::log(m)));
  for (Index i = 0; i < b; ++i) {
    w.at({i, i}) = static_cast<T>(-std::log(nd));
    w.at({i, (i + 1) % b}) = static_cast<T>(std::log((nd - m) / (nd * m)));
  }
  return w;
}

}  // namespace

template <class T>
ag::Variable<T> permute_dims(const ag::Variable<T>& z, core::Generator& gen) {
  if (z.dim() != 2) throw core::ShapeError("permute_dims: codes must be (B, D)");
  const Index b = z.size(0), d = z.size(1);
  core::IndexTensor index(core::Shape{b, d});
  for (Index k = 0; k < d; ++k) {
    const core::IndexTensor perm = core::permutation(b, gen);
    for (Index i = 0; i < b; ++i) index.at({i, k}) = perm.data()[i];
  }
  return ag::gather(z, 0, index);
}

template <class T>
ag::Variable<T> pairwise_log_density(const nn::Normal<T>& q, const ag::Variable<T>& z) {
  const core::Shape shape = q.batch_shape();
  check_codes(shape, z.shape(), "pairwise_log_density");
  // Example j's posterior along axis 1, code i along axis 0: log_prob broadcasts to (B, B, D).
  const nn::Normal<T> by_example(ag::unsqueeze(to_batch(q.loc(), shape), 0), ag::unsqueeze(to_batch(q.logvar(), shape), 0));
  return by_example.log_prob(ag::unsqueeze(z, 1));
}

template <class T>
KlDecomposition<T> decompose_kl(const nn::Normal<T>& q, const ag::Variable<T>& z, std::int64_t dataset_size,
                                TcSampling sampling) {
  check_codes(q.batch_shape(), z.shape(), "decompose_kl");
  const Index b = z.size(0);
  if (dataset_size < b) throw core::ValueError(fmt::format("decompose_kl: dataset size {} < batch {}", dataset_size, b));
  if (sampling == TcSampling::MinibatchStratified && b < 2)
    throw core::ValueError("decompose_kl: stratified sampling needs a batch of at least 2");
  ag::Variable<T> per_dim = pairwise_log_density(q, z);  // (B, B, D)
  ag::Variable<T> joint = ag::sum(per_dim, {2});         // (B, B): log q(z_i | x_j)
  if (sampling == TcSampling::MinibatchWeighted) {
    const T log_nm = static_cast<T>(std::log(static_cast<double>(dataset_size) * static_cast<double>(b)));
    joint = ag::sub(joint, log_nm), per_dim = ag::sub(per_dim, log_nm);
  } else {
    const core::Tensor<T> w = stratified_log_weights<T>(b, dataset_size);
    joint = joint + w, per_dim = per_dim + w.reshape(core::Shape{b, b, 1});
  }
  const ag::Variable<T> log_qz = ag::logsumexp(joint, {1});
  const ag::Variable<T> log_prod = ag::sum(ag::logsumexp(per_dim, {1}), {1});
  const ag::Variable<T> log_qzx = ag::sum(q.log_prob(z), {1});
  const ag::Variable<T> log_pz = ag::sum(nn::Normal<T>::standard(z.shape()).log_prob(z), {1});
  return {log_qzx - log_qz, log_qz - log_prod, log_prod - log_pz};
}

namespace {

double log_sum_exp(const std::vector<double>& v) {
  const double m = *std::max_element(v.begin(), v.end());
  double s = 0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

}  // namespace

double total_correlation(const core::Tensor<float>& mu, const core::Tensor<float>& logvar, core::Generator& gen) {
  if (mu.dim() != 2 || mu.shape() != logvar.shape() || mu.size(0) < 2)
    throw core::ShapeError("total_correlation: mu and logvar must both be (N, D) with N >= 2");
  const Index n = mu.size(0), d = mu.size(1);
  const double half_log_2pi = 0.5 * std::log(2 * std::numbers::pi), log_n = std::log(static_cast<double>(n));
  std::vector<double> z(static_cast<std::size_t>(n * d));
  for (Index i = 0; i < n * d; ++i)
    z[static_cast<std::size_t>(i)] = mu.data()[i] + std::exp(0.5 * logvar.data()[i]) * gen.normal();
  std::vector<double> joint(static_cast<std::size_t>(n)), dim(static_cast<std::size_t>(n * d));
  double tc = 0;
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) {
      double sum = 0;
      for (Index k = 0; k < d; ++k) {
        const double lv = logvar.data()[j * d + k], diff = z[static_cast<std::size_t>(i * d + k)] - mu.data()[j * d + k];
        const double l = -half_log_2pi - 0.5 * lv - 0.5 * diff * diff * std::exp(-lv);
        dim[static_cast<std::size_t>(k * n + j)] = l, sum += l;
      }
      joint[static_cast<std::size_t>(j)] = sum;
    }
    double log_prod = 0;
    for (Index k = 0; k < d; ++k)
      log_prod += log_sum_exp(std::vector<double>(dim.begin() + k * n, dim.begin() + (k + 1) * n)) - log_n;
    tc += log_sum_exp(joint) - log_n - log_prod;
  }
  return tc / static_cast<double>(n);
}

template ag::Variable<float> permute_dims(const ag::Variable<float>&, core::Generator&);
template ag::Variable<double> permute_dims(const ag::Variable<double>&, core::Generator&);
template ag::Variable<float> pairwise_log_density(const nn::Normal<float>&, const ag::Variable<float>&);
template ag::Variable<double> pairwise_log_density(const nn::Normal<double>&, const ag::Variable<double>&);
template KlDecomposition<float> decompose_kl(const nn::Normal<float>&, const ag::Variable<float>&, std::int64_t, TcSampling);
template KlDecomposition<double> decompose_kl(const nn::Normal<double>&, const ag::Variable<double>&, std::int64_t,
                                              TcSampling);

}  // namespace xgrad::models

namespace xgrad::models {

TcDecomposedLoss::Result TcDecomposedLoss::operator()(const ag::Variable<float>& recon_log_lik, const nn::Normal<>& q,
                                                      const ag::Variable<float>& z) const {
  const KlDecomposition<float> kl = decompose_kl(q, z, dataset_size, sampling);
  const ag::Variable<float> per_example = ag::mul(kl.mi, static_cast<float>(alpha)) + ag::mul(kl.tc, static_cast<float>(beta)) +
                              ag::mul(kl.dim_kl, static_cast<float>(gamma)) - recon_log_lik;
  return {ag::mean(per_example), ag::mean(kl.mi).item(), ag::mean(kl.tc).item(), ag::mean(kl.dim_kl).item()};
}

}  // namespace xgrad::models
