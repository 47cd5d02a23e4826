#include "xgrad/models/evaluation/disentanglement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "xgrad/core/error.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::models {

namespace {

using Matrix = std::vector<std::vector<double>>;  // rows of doubles

void check(const core::Tensor<float>& codes, const core::IndexTensor& factors, const std::vector<Index>& sizes) {
  if (codes.dim() != 2 || factors.dim() != 2 || codes.size(0) != factors.size(0) ||
      factors.size(1) != static_cast<Index>(sizes.size()) || codes.size(0) < 2)
    throw core::ShapeError(fmt::format("disentanglement: codes (n, D) and factors (n, {}) must share n >= 2", sizes.size()));
}

double code(const core::Tensor<float>& codes, Index i, Index d) { return codes.data()[i * codes.size(1) + d]; }
Index factor(const core::IndexTensor& f, Index i, Index k) { return f.data()[i * f.size(1) + k]; }

/// The bin of each row's value of dimension d: `bins` equal widths over the observed range.
std::vector<Index> binned(const core::Tensor<float>& codes, Index d, Index bins) {
  const Index n = codes.size(0);
  double lo = code(codes, 0, d), hi = lo;
  for (Index i = 1; i < n; ++i) lo = std::min(lo, code(codes, i, d)), hi = std::max(hi, code(codes, i, d));
  std::vector<Index> out(static_cast<std::size_t>(n), 0);
  if (hi == lo) return out;
  for (Index i = 0; i < n; ++i)
    out[static_cast<std::size_t>(i)] = std::min<Index>(bins - 1, static_cast<Index>((code(codes, i, d) - lo) / (hi - lo) * bins));
  return out;
}

/// Discrete mutual information (nats) of two label sequences.
double mutual_information(const std::vector<Index>& a, const std::vector<Index>& b) {
  std::map<std::pair<Index, Index>, double> joint;
  std::map<Index, double> pa, pb;
  const double n = static_cast<double>(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) joint[{a[i], b[i]}] += 1 / n, pa[a[i]] += 1 / n, pb[b[i]] += 1 / n;
  double mi = 0;
  for (const auto& [ab, p] : joint) mi += p * std::log(p / (pa[ab.first] * pb[ab.second]));
  return mi;
}

std::vector<Index> column(const core::IndexTensor& f, Index k) {
  std::vector<Index> out;
  for (Index i = 0; i < f.size(0); ++i) out.push_back(factor(f, i, k));
  return out;
}

/// Largest minus second largest (the largest alone when there is one).
double gap(std::vector<double> v) {
  std::sort(v.rbegin(), v.rend());
  return v.size() > 1 ? v[0] - v[1] : v[0];
}

/// Accuracy on the rows after the first `train` of a 1-D nearest-class-mean classifier fitted
/// on those: how well dimension d alone predicts factor k.
double predictability(const core::Tensor<float>& codes, const core::IndexTensor& f, Index d, Index k, Index classes,
                      Index train) {
  const Index n = codes.size(0);
  std::vector<double> sum(static_cast<std::size_t>(classes), 0), count(static_cast<std::size_t>(classes), 0);
  for (Index i = 0; i < train; ++i) sum[factor(f, i, k)] += code(codes, i, d), count[factor(f, i, k)] += 1;
  double right = 0;
  for (Index i = train; i < n; ++i) {
    Index best = 0;
    double best_dist = INFINITY;
    for (Index c = 0; c < classes; ++c) {
      if (count[c] == 0) continue;
      const double dist = std::abs(code(codes, i, d) - sum[c] / count[c]);
      if (dist < best_dist) best_dist = dist, best = c;
    }
    right += best == factor(f, i, k);
  }
  return right / static_cast<double>(n - train);
}

/// n rows sharing one value of factor k (the others drawn at random).
core::IndexTensor with_fixed(const std::vector<Index>& sizes, Index k, Index n, core::Generator& gen) {
  core::IndexTensor f = sample_factors(sizes, n, gen);
  const auto value = static_cast<Index>(gen.below(static_cast<std::uint64_t>(sizes[static_cast<std::size_t>(k)])));
  for (Index i = 0; i < n; ++i) f.data()[i * f.size(1) + k] = value;
  return f;
}

std::vector<double> column_std(const core::Tensor<float>& codes) {
  const Index n = codes.size(0), dims = codes.size(1);
  std::vector<double> out;
  for (Index d = 0; d < dims; ++d) {
    double m = 0, s = 0;
    for (Index i = 0; i < n; ++i) m += code(codes, i, d) / static_cast<double>(n);
    for (Index i = 0; i < n; ++i) s += std::pow(code(codes, i, d) - m, 2) / static_cast<double>(n - 1);
    out.push_back(std::sqrt(s));
  }
  return out;
}

}  // namespace

core::IndexTensor sample_factors(const std::vector<Index>& sizes, Index n, core::Generator& gen) {
  core::IndexTensor f(core::Shape{n, static_cast<Index>(sizes.size())});
  for (Index i = 0; i < n; ++i)
    for (std::size_t k = 0; k < sizes.size(); ++k)
      f.data()[i * static_cast<Index>(sizes.size()) + static_cast<Index>(k)] =
          static_cast<Index>(gen.below(static_cast<std::uint64_t>(sizes[k])));
  return f;
}

double mig(const core::Tensor<float>& codes, const core::IndexTensor& factors, const std::vector<Index>& sizes, Index bins) {
  check(codes, factors, sizes);
  std::vector<std::vector<Index>> binned_codes;
  for (Index d = 0; d < codes.size(1); ++d) binned_codes.push_back(binned(codes, d, bins));
  double total = 0;
  for (Index k = 0; k < factors.size(1); ++k) {
    const std::vector<Index> fk = column(factors, k);
    const double entropy = mutual_information(fk, fk);
    std::vector<double> mi;
    for (const auto& b : binned_codes) mi.push_back(mutual_information(b, fk));
    total += entropy > 0 ? gap(mi) / entropy : 0;
  }
  return total / static_cast<double>(factors.size(1));
}

double sap(const core::Tensor<float>& codes, const core::IndexTensor& factors, const std::vector<Index>& sizes) {
  return sap(codes, factors, sizes, codes.size(0) / 2);
}

double sap(const core::Tensor<float>& codes, const core::IndexTensor& factors, const std::vector<Index>& sizes,
           Index train) {
  check(codes, factors, sizes);
  if (train < 1) throw core::ShapeError(fmt::format("sap: needs at least 1 training row (got {})", train));
  if (train >= codes.size(0))
    throw core::ShapeError(fmt::format("sap: {} training rows leave none of {} to score", train, codes.size(0)));
  double total = 0;
  for (Index k = 0; k < factors.size(1); ++k) {
    std::vector<double> scores;
    for (Index d = 0; d < codes.size(1); ++d)
      scores.push_back(predictability(codes, factors, d, k, sizes[static_cast<std::size_t>(k)], train));
    total += gap(scores);
  }
  return total / static_cast<double>(factors.size(1));
}

namespace {

/// The codes of several blocks of factor rows from one call of `represent` over all their
/// rows: a model then encodes thousands of rows per matrix product instead of a vote's 64
/// (with 64 rows, repacking the weights took about a third of the evaluation's time). Each
/// block's codes are its rows of the result: a representation codes each row on its own.
std::vector<core::Tensor<float>> represent_blocks(const Representation& represent,
                                                  const std::vector<core::IndexTensor>& blocks) {
  const core::IndexTensor all = core::concat<Index>(blocks, 0);
  const core::Tensor<float> codes = represent(all);
  if (codes.dim() != 2 || codes.size(0) != all.size(0))
    throw core::ShapeError(fmt::format("disentanglement: the representation of {} factor rows gave codes of sizes {}",
                                       all.size(0), codes.shape().str()));
  std::vector<core::Tensor<float>> out;
  Index start = 0;
  for (const core::IndexTensor& b : blocks) out.push_back(core::narrow(codes, 0, start, b.size(0))), start += b.size(0);
  return out;
}

/// The dimension of least normalised variance, ignoring pruned dimensions (scale 0).
Index least_varying(const std::vector<double>& sd, const std::vector<double>& scale) {
  Index best = -1;
  for (std::size_t d = 0; d < sd.size(); ++d)
    if (scale[d] > 0 && (best < 0 || sd[d] / scale[d] < sd[static_cast<std::size_t>(best)] / scale[static_cast<std::size_t>(best)]))
      best = static_cast<Index>(d);
  return best;
}

/// n votes of the FactorVAE score, (the dimension of least normalised variance, the fixed
/// factor) each: every vote's rows are drawn first, then represented together.
std::vector<std::pair<Index, Index>> votes(const Representation& represent, const std::vector<Index>& sizes,
                                           const std::vector<double>& scale, core::Generator& gen, Index n, Index batch) {
  std::vector<Index> fixed;
  std::vector<core::IndexTensor> rows;
  for (Index v = 0; v < n; ++v) {
    fixed.push_back(static_cast<Index>(gen.below(sizes.size())));
    rows.push_back(with_fixed(sizes, fixed.back(), batch, gen));
  }
  const std::vector<core::Tensor<float>> codes = represent_blocks(represent, rows);
  std::vector<std::pair<Index, Index>> out;
  for (std::size_t v = 0; v < codes.size(); ++v) out.emplace_back(least_varying(column_std(codes[v]), scale), fixed[v]);
  return out;
}

}  // namespace

namespace {

/// ValueError naming `name` when v < least: every count must be at least 1, and at least 2
/// for what a spread or a histogram is taken over (a std of one row is 0 in every dimension).
void require_at_least(const char* name, Index v, Index least) {
  if (v < least) throw core::ValueError(fmt::format("disentanglement: options.{} must be >= {} (got {})", name, least, v));
}

// Each score checks only the sizes it reads, so that a caller scoring one metric may leave
// the others' sizes at anything.
void check_mig_sap_sizes(const DisentanglementOptions& o) {
  require_at_least("samples", o.samples, 2), require_at_least("bins", o.bins, 2);
  require_at_least("sap_train", o.sap_train, 1), require_at_least("sap_test", o.sap_test, 1);
}

void check_factor_vae_sizes(const DisentanglementOptions& o) {
  require_at_least("variance_rows", o.variance_rows, 2), require_at_least("vote_batch", o.vote_batch, 2);
  require_at_least("votes", o.votes, 1), require_at_least("test_votes", o.test_votes, 1);
  if (!(o.prune_std >= 0))
    throw core::ValueError(fmt::format("disentanglement: options.prune_std must be >= 0 (got {})", o.prune_std));
}

void check_beta_vae_sizes(const DisentanglementOptions& o) {
  require_at_least("points", o.points, 1), require_at_least("test_points", o.test_points, 1);
  require_at_least("pairs", o.pairs, 1);
}

}  // namespace

double factor_vae_score(const Representation& represent, const std::vector<Index>& sizes, core::Generator& gen,
                        const DisentanglementOptions& o) {
  check_factor_vae_sizes(o);
  std::vector<double> scale = column_std(represent(sample_factors(sizes, o.variance_rows, gen)));
  for (double& s : scale) s = s < o.prune_std ? 0 : s;  // collapsed dimensions take no votes
  if (std::all_of(scale.begin(), scale.end(), [](double s) { return s == 0; })) return 0;
  std::map<Index, std::vector<Index>> counts;  // dimension -> votes per factor
  for (const auto& [d, k] : votes(represent, sizes, scale, gen, o.votes, o.vote_batch))
    counts[d].resize(sizes.size()), ++counts[d][static_cast<std::size_t>(k)];
  double right = 0;
  for (const auto& [d, k] : votes(represent, sizes, scale, gen, o.test_votes, o.vote_batch)) {
    if (!counts.count(d)) continue;
    const auto& c = counts[d];
    right += std::max_element(c.begin(), c.end()) - c.begin() == k;
  }
  return right / static_cast<double>(o.test_votes);
}

namespace {

/// Mean |z1 - z2| over the rows of two codes of the same size (pairs sharing a factor).
std::vector<double> mean_abs_difference(const core::Tensor<float>& za, const core::Tensor<float>& zb) {
  const Index pairs = za.size(0);
  std::vector<double> diff(static_cast<std::size_t>(za.size(1)), 0);
  for (Index i = 0; i < pairs; ++i)
    for (Index d = 0; d < za.size(1); ++d) diff[d] += std::abs(code(za, i, d) - code(zb, i, d)) / static_cast<double>(pairs);
  return diff;
}

/// Multinomial logistic regression on standardised features by full-batch gradient descent:
/// the held-out accuracy.
double linear_accuracy(const Matrix& x, const std::vector<Index>& y, Index classes, std::size_t train) {
  const std::size_t dims = x[0].size();
  std::vector<double> mean(dims, 0), sd(dims, 0);
  for (std::size_t i = 0; i < train; ++i)
    for (std::size_t d = 0; d < dims; ++d) mean[d] += x[i][d] / static_cast<double>(train);
  for (std::size_t i = 0; i < train; ++i)
    for (std::size_t d = 0; d < dims; ++d) sd[d] += std::pow(x[i][d] - mean[d], 2) / static_cast<double>(train);
  auto feature = [&](std::size_t i, std::size_t d) { return sd[d] > 0 ? (x[i][d] - mean[d]) / std::sqrt(sd[d]) : 0.0; };
  const auto kc = static_cast<std::size_t>(classes);
  Matrix w(kc, std::vector<double>(dims + 1, 0));
  auto logits = [&](std::size_t i) {
    std::vector<double> l(kc);
    for (std::size_t c = 0; c < kc; ++c) {
      l[c] = w[c][dims];
      for (std::size_t d = 0; d < dims; ++d) l[c] += w[c][d] * feature(i, d);
    }
    return l;
  };
  for (int it = 0; it < 300; ++it) {
    Matrix g(kc, std::vector<double>(dims + 1, 0));
    for (std::size_t i = 0; i < train; ++i) {
      std::vector<double> p = logits(i);
      const double m = *std::max_element(p.begin(), p.end());
      double z = 0;
      for (double& v : p) v = std::exp(v - m), z += v;
      for (std::size_t c = 0; c < kc; ++c) {
        const double err = p[c] / z - (static_cast<Index>(c) == y[i] ? 1 : 0);
        for (std::size_t d = 0; d < dims; ++d) g[c][d] += err * feature(i, d);
        g[c][dims] += err;
      }
    }
    for (std::size_t c = 0; c < kc; ++c)
      for (std::size_t d = 0; d <= dims; ++d) w[c][d] -= 0.5 * g[c][d] / static_cast<double>(train);
  }
  double right = 0;
  for (std::size_t i = train; i < x.size(); ++i) {
    const std::vector<double> l = logits(i);
    right += static_cast<Index>(std::max_element(l.begin(), l.end()) - l.begin()) == y[i];
  }
  return right / static_cast<double>(x.size() - train);
}

}  // namespace

double beta_vae_score(const Representation& represent, const std::vector<Index>& sizes, core::Generator& gen,
                      const DisentanglementOptions& o) {
  check_beta_vae_sizes(o);
  // Each point: the fixed factor k and `pairs` pairs of rows sharing it, drawn first and
  // represented together (point p's two blocks at 2p and 2p + 1); the first `points` train.
  std::vector<Index> y;
  std::vector<core::IndexTensor> rows;
  for (Index p = 0; p < o.points + o.test_points; ++p) {
    const auto k = static_cast<Index>(gen.below(sizes.size()));
    const core::IndexTensor a = with_fixed(sizes, k, o.pairs, gen);
    core::IndexTensor b = sample_factors(sizes, o.pairs, gen);
    for (Index i = 0; i < o.pairs; ++i) b.data()[i * b.size(1) + k] = factor(a, i, k);
    rows.push_back(a), rows.push_back(std::move(b)), y.push_back(k);
  }
  const std::vector<core::Tensor<float>> codes = represent_blocks(represent, rows);
  Matrix x;
  for (std::size_t p = 0; p < y.size(); ++p) x.push_back(mean_abs_difference(codes[2 * p], codes[2 * p + 1]));
  return linear_accuracy(x, y, static_cast<Index>(sizes.size()), static_cast<std::size_t>(o.points));
}

DisentanglementOptions study_disentanglement_options() {
  return {.samples = 10000, .bins = 20, .sap_train = 10000, .sap_test = 5000, .variance_rows = 10000,
          .votes = 10000, .test_votes = 5000, .vote_batch = 64, .points = 10000, .test_points = 5000, .pairs = 64,
          .prune_std = 0.05};
}

DisentanglementScores disentanglement(const Representation& represent, const std::vector<Index>& sizes,
                                      core::Generator& gen, const DisentanglementOptions& o) {
  check_mig_sap_sizes(o), check_factor_vae_sizes(o), check_beta_vae_sizes(o);  // before the first draw
  // mig and sap share rows (mig the first `samples`, sap the first sap_train + sap_test):
  // the quick sizes then score both on one draw, as before sap's split had sizes of its own.
  const Index sap_rows = o.sap_train + o.sap_test;
  const core::IndexTensor f = sample_factors(sizes, std::max(o.samples, sap_rows), gen);
  const core::Tensor<float> codes = represent(f);
  DisentanglementScores s;
  s.mig = mig(core::narrow(codes, 0, 0, o.samples), core::narrow(f, 0, 0, o.samples), sizes, o.bins);
  s.sap = sap(core::narrow(codes, 0, 0, sap_rows), core::narrow(f, 0, 0, sap_rows), sizes, o.sap_train);
  s.factor_vae = factor_vae_score(represent, sizes, gen, o);
  s.beta_vae = beta_vae_score(represent, sizes, gen, o);
  return s;
}

}  // namespace xgrad::models
