#include "xgrad/nn/layers/vector_quantizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

namespace {

// Rows of the distance search a task takes: 256 rows of 128 codes are ~130 KB of products.
constexpr Index kNearestGrain = 256;

/// The first k with the least norms[k] - 2 dots[k]: ||z||^2 is the same for every entry,
/// so the argmin needs only ||e||^2 - 2 z.e. The distances, then their minimum (exact in
/// any order; NaN distances are never chosen, as in a `d < best` scan), then its first
/// index (0 when all are NaN).
Index argmin_first(const float* norms, const float* dots, float* dist, Index K) {
  for (Index k = 0; k < K; ++k) dist[k] = norms[k] - 2.0f * dots[k];
  // 16 running minima, an element-wise select the compiler vectorises (a single running
  // minimum is a reduction it keeps scalar without -ffast-math).
  constexpr Index lanes = 16;
  float low[lanes];
  std::fill_n(low, lanes, std::numeric_limits<float>::infinity());
  Index k = 0;
  for (; k + lanes <= K; k += lanes)
    for (Index l = 0; l < lanes; ++l) low[l] = dist[k + l] < low[l] ? dist[k + l] : low[l];
  float best = std::numeric_limits<float>::infinity();
  for (; k < K; ++k) best = dist[k] < best ? dist[k] : best;
  for (Index l = 0; l < lanes; ++l) best = low[l] < best ? low[l] : best;
  for (Index first = 0; first < K; ++first)
    if (dist[first] == best) return first;
  return 0;
}

void check_rows(const Shape& shape, Index dim, const char* what) {
  if (shape.rank() != 2 || shape.dim(1) != dim)
    throw core::ShapeError(fmt::format("VectorQuantizer: {} of shape {} is not (N, {})", what, shape.str(), dim));
}

}  // namespace

template <class T>
autograd::Variable<T> straight_through(const autograd::Variable<T>& z, const core::Tensor<T>& q) {
  return z + autograd::Variable<T>(core::sub(q, z.value()));
}
template autograd::Variable<float> straight_through(const autograd::Variable<float>&, const core::Tensor<float>&);
template autograd::Variable<double> straight_through(const autograd::Variable<double>&, const core::Tensor<double>&);

double perplexity(const core::IndexTensor& codes, Index num_codes) {
  std::vector<double> counts(static_cast<std::size_t>(num_codes), 0.0);
  for (Index c : codes) counts.at(static_cast<std::size_t>(c)) += 1;
  double entropy = 0;
  for (double c : counts)
    if (c > 0) entropy -= c / static_cast<double>(codes.numel()) * std::log(c / static_cast<double>(codes.numel()));
  return std::exp(entropy);
}

VectorQuantizer::VectorQuantizer(const VectorQuantizerOptions& options, core::Generator& gen) : options(options) {
  if (options.codes <= 0 || options.dim <= 0)
    throw core::ValueError(fmt::format("VectorQuantizer: codes and dim must be positive (got {}, {})", options.codes,
                                       options.dim));
  if (options.ema && !(options.decay > 0 && options.decay < 1))
    throw core::ValueError(fmt::format("VectorQuantizer: decay must be in (0, 1) (got {})", options.decay));
  const double bound = 1.0 / static_cast<double>(options.codes);
  Tensor init = core::uniform<float>({options.codes, options.dim}, float(-bound), float(bound), gen);
  codebook = options.ema ? register_buffer("codebook", init) : register_parameter("codebook", init);
  usage_ = register_buffer("usage", Tensor::zeros({options.codes}));
  if (options.ema) {
    // Counts start at 1 and sums at the codebook, so an entry no row has chosen yet keeps
    // its place (sums and counts decay together) rather than collapsing to 0.
    ema_count_ = register_buffer("ema_count", Tensor::ones({options.codes}));
    ema_sum_ = register_buffer("ema_sum", init);
  }
}

core::IndexTensor VectorQuantizer::nearest(const Tensor& z) const {
  check_rows(z.shape(), options.dim, "input");
  const Tensor& e = codebook.value();
  const Index K = options.codes;
  const Tensor dots = core::matmul(z, e, core::Trans::No, core::Trans::Yes);  // (N, K)
  std::vector<float> norms(static_cast<std::size_t>(K), 0.0f);
  for (Index k = 0; k < K; ++k)
    for (Index d = 0; d < options.dim; ++d) norms[k] += e.data()[k * options.dim + d] * e.data()[k * options.dim + d];
  core::IndexTensor codes({z.size(0)});
  // Rows are independent, so any cut gives the same codes; the argmin ran on one thread
  // while the other waited (~1 % of the VQ-VAE's step at 2 threads, perf).
  core::parallel_for(0, z.size(0), kNearestGrain, [&](Index lo, Index hi) {
    std::vector<float> dist(static_cast<std::size_t>(K));
    for (Index i = lo; i < hi; ++i) codes.data()[i] = argmin_first(norms.data(), dots.data() + i * K, dist.data(), K);
  });
  return codes;
}

Tensor VectorQuantizer::lookup(const core::IndexTensor& codes) const {
  Tensor out({codes.numel(), options.dim});
  for (Index i = 0; i < codes.numel(); ++i) {
    const Index k = codes.data()[i];
    if (k < 0 || k >= options.codes)
      throw core::ValueError(fmt::format("VectorQuantizer: code {} is outside [0, {})", k, options.codes));
    std::copy_n(codebook.value().data() + k * options.dim, options.dim, out.data() + i * options.dim);
  }
  return out;
}

Quantized VectorQuantizer::forward(const Var& z) {
  Quantized out;
  out.codes = nearest(z.value());
  out.perplexity = perplexity(out.codes, options.codes);
  if (is_training()) {
    for (Index c : out.codes) usage_.value_mut().data()[c] += 1;
    if (options.ema) ema_update(z.value(), out.codes);
  }
  const Var e = autograd::index_select(codebook, 0, out.codes);
  // commitment beta mean||z - sg(e)||^2, plus the codebook's mean||sg(z) - e||^2 unless EMA moves it
  out.loss = autograd::vq_distance_loss(z, e, options.beta, options.ema ? 0.0 : 1.0);
  out.z_q = straight_through(z, e.value());
  return out;
}

void VectorQuantizer::ema_update(const Tensor& z, const core::IndexTensor& codes) {
  const Index K = options.codes, D = options.dim;
  std::vector<double> n(static_cast<std::size_t>(K), 0.0), s(static_cast<std::size_t>(K * D), 0.0);
  for (Index i = 0; i < codes.numel(); ++i) {
    n[codes.data()[i]] += 1;
    for (Index d = 0; d < D; ++d) s[codes.data()[i] * D + d] += z.data()[i * D + d];
  }
  const double g = options.decay, eps = options.epsilon;
  float* count = ema_count_.value_mut().data();
  float* sum = ema_sum_.value_mut().data();
  double total = 0;
  for (Index k = 0; k < K; ++k) total += (count[k] = static_cast<float>(g * count[k] + (1 - g) * n[k]));
  for (Index k = 0; k < K * D; ++k) sum[k] = static_cast<float>(g * sum[k] + (1 - g) * s[k]);
  float* e = codebook.value_mut().data();
  for (Index k = 0; k < K; ++k) {
    const double smoothed = (count[k] + eps) / (total + static_cast<double>(K) * eps) * total;  // Laplace
    for (Index d = 0; d < D; ++d) e[k * D + d] = static_cast<float>(sum[k * D + d] / smoothed);
  }
}

Index VectorQuantizer::restart_dead_codes(const Tensor& z, core::Generator& gen) {
  check_rows(z.shape(), options.dim, "rows for restarts");
  const core::IndexTensor order = core::permutation(z.size(0), gen);
  const Index D = options.dim;
  Index moved = 0;
  for (Index k = 0; k < options.codes && moved < z.size(0); ++k) {
    if (usage_.value().data()[k] > 0) continue;
    const float* row = z.data() + order.data()[moved++] * D;
    std::copy_n(row, D, codebook.value_mut().data() + k * D);
    if (options.ema) {
      ema_count_.value_mut().data()[k] = 1;
      std::copy_n(row, D, ema_sum_.value_mut().data() + k * D);
    }
  }
  usage_.value_mut().fill_(0);
  return moved;
}

std::string VectorQuantizer::describe() const {
  return fmt::format("VectorQuantizer({} x {}, {})", options.codes, options.dim,
                     options.ema ? fmt::format("EMA {}", options.decay) : fmt::format("beta {}", options.beta));
}

}  // namespace xgrad::nn
