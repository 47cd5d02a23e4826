#include "xgrad/models/common/latent.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/common/total_correlation.hpp"
#include "xgrad/nn/distributions/kl.hpp"
#include "xgrad/nn/layers/mlp.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/optim/adam.hpp"

namespace xgrad::models {

namespace {

// Decodes codes (B * steps, Z) with each row's labels repeated `steps` times.
Tensor decode_repeated(GenerativeModel& model, const Tensor& z, const IndexTensor& labels, int steps) {
  IndexTensor rep;
  if (labels.defined()) {
    rep = IndexTensor(core::Shape{labels.numel() * steps});
    for (Index i = 0; i < labels.numel(); ++i)
      for (int s = 0; s < steps; ++s) rep.data()[i * steps + s] = labels.data()[i];
  }
  return model.decode(z, rep);
}

template <class F>
void for_each_batch(const nn::Dataset& data, Index batch_size, F&& f) {
  if (batch_size < 1) throw core::ValueError(fmt::format("batch_size must be >= 1, got {}", batch_size));
  for (Index start = 0; start < data.size(); start += batch_size) {
    std::vector<Index> idx(static_cast<std::size_t>(std::min(batch_size, data.size() - start)));
    std::iota(idx.begin(), idx.end(), start);
    f(data.get_batch(idx));
  }
}

}  // namespace

Tensor interpolate(GenerativeModel& model, const Batch& a, const Batch& b, int steps) {
  if (steps < 2) throw core::ValueError(fmt::format("interpolate: steps must be >= 2, got {}", steps));
  const Tensor za = model.encode(a), zb = model.encode(b);
  if (za.shape() != zb.shape())
    throw core::ShapeError(
        fmt::format("interpolate: the two inputs encode to {} and {}", za.shape().str(), zb.shape().str()));
  const Index n = za.size(0), d = za.size(1);
  Tensor z({n * steps, d});
  for (Index i = 0; i < n; ++i)
    for (int s = 0; s < steps; ++s) {
      const float t = static_cast<float>(s) / static_cast<float>(steps - 1);
      for (Index j = 0; j < d; ++j) {
        const float u = za.data()[i * d + j], v = zb.data()[i * d + j];
        z.data()[(i * steps + s) * d + j] = u + t * (v - u);
      }
    }
  return decode_repeated(model, z, a.labels, steps);
}

Tensor traverse(GenerativeModel& model, const Batch& base, Index dim, double range, int steps) {
  if (steps < 2) throw core::ValueError(fmt::format("traverse: steps must be >= 2, got {}", steps));
  if (dim < 0 || dim >= model.latent_dim())
    throw core::ValueError(fmt::format("traverse: dimension {} is outside [0, {})", dim, model.latent_dim()));
  const Tensor z0 = model.encode(base);
  const Index n = z0.size(0), d = z0.size(1);
  Tensor z({n * steps, d});
  for (Index i = 0; i < n; ++i)
    for (int s = 0; s < steps; ++s) {
      float* row = z.data() + (i * steps + s) * d;
      std::copy(z0.data() + i * d, z0.data() + (i + 1) * d, row);
      row[dim] = static_cast<float>(-range + 2 * range * s / (steps - 1));
    }
  return decode_repeated(model, z, base.labels, steps);
}

Tensor kl_per_dimension(LatentVariableModel& model, const nn::Dataset& data, Index batch_size) {
  autograd::NoGradGuard no_grad;
  // Every group's dimensions, side by side. The draws matter only to groups whose KL has
  // no closed form (a Monte-Carlo estimate); they come from a generator of their own so
  // that measuring leaves the caller's stream alone.
  core::Generator draws(0);
  std::vector<double> sum;
  Index d = 0;
  for_each_batch(data, batch_size, [&](const Batch& batch) {
    const Tensor kl = kl_per_dim(model.latents(batch, draws)).value();
    d = kl.size(1);
    sum.resize(static_cast<std::size_t>(d), 0.0);
    for (Index i = 0; i < kl.numel(); ++i) sum[static_cast<std::size_t>(i % d)] += kl.data()[i];
  });
  Tensor out({d});
  for (Index j = 0; j < d; ++j) out.data()[j] = static_cast<float>(sum[static_cast<std::size_t>(j)] / data.size());
  return out;
}

Tensor encode_dataset(GenerativeModel& model, const nn::Dataset& data, Index batch_size) {
  const Index d = model.latent_dim();
  Tensor codes({data.size(), d});
  Index row = 0;
  for_each_batch(data, batch_size, [&](const Batch& batch) {
    const Tensor z = model.encode(batch);
    if (z.numel() != batch.size() * d)
      throw core::ShapeError(fmt::format("encode_dataset: {} encoded a batch of {} as {}", model.kind(), batch.size(), z.shape().str()));
    std::copy(z.begin(), z.end(), codes.data() + row * d);
    row += batch.size();
  });
  return codes;
}

ActiveUnits active_units(GenerativeModel& model, const nn::Dataset& data, Index batch_size, double threshold) {
  const Index d = model.latent_dim();
  std::vector<double> s1(static_cast<std::size_t>(d), 0.0), s2(static_cast<std::size_t>(d), 0.0);
  for_each_batch(data, batch_size, [&](const Batch& batch) {
    const Tensor mu = model.encode(batch);
    for (Index i = 0; i < mu.numel(); ++i) {
      const double v = mu.data()[i];
      s1[static_cast<std::size_t>(i % d)] += v;
      s2[static_cast<std::size_t>(i % d)] += v * v;
    }
  });
  ActiveUnits au{Tensor({d}), 0};
  const auto n = static_cast<double>(data.size());
  for (Index j = 0; j < d; ++j) {
    const double m = s1[static_cast<std::size_t>(j)] / n;
    const double var = s2[static_cast<std::size_t>(j)] / n - m * m;
    au.variance.data()[j] = static_cast<float>(var);
    if (var > threshold) ++au.count;
  }
  return au;
}

CodeMoments code_moments(const Tensor& codes) {
  if (codes.dim() != 2 || codes.size(0) < 2)
    throw core::ValueError("code_moments: codes must be (N, D) with N >= 2, got " + codes.shape().str());
  const Index n = codes.size(0), d = codes.size(1);
  std::vector<double> mean(d, 0.0), cov(d * d, 0.0);
  const float* z = codes.data();
  for (Index i = 0; i < n; ++i)
    for (Index a = 0; a < d; ++a) mean[a] += z[i * d + a];
  for (double& m : mean) m /= static_cast<double>(n);
  for (Index i = 0; i < n; ++i)
    for (Index a = 0; a < d; ++a)
      for (Index b = 0; b < d; ++b) cov[a * d + b] += (z[i * d + a] - mean[a]) * (z[i * d + b] - mean[b]);
  CodeMoments m{Tensor(core::Shape{d}), Tensor(core::Shape{d, d})};
  for (Index a = 0; a < d; ++a) m.mean.data()[a] = static_cast<float>(mean[a]);
  for (Index j = 0; j < d * d; ++j) m.cov.data()[j] = static_cast<float>(cov[j] / static_cast<double>(n - 1));
  return m;
}

double distance_from_identity(const Tensor& cov) {
  const Index d = cov.size(0);
  double s = 0;
  for (Index a = 0; a < d; ++a)
    for (Index b = 0; b < d; ++b) {
      const double e = cov.data()[a * d + b] - (a == b ? 1.0 : 0.0);
      s += e * e;
    }
  return std::sqrt(s);
}

double fresh_discriminator_accuracy(const Tensor& codes, const Tensor& prior_draws, core::Generator& gen, int epochs,
                                    Index hidden, Index batch_size) {
  if (codes.dim() != 2 || codes.shape() != prior_draws.shape() || codes.size(0) < 4)
    throw core::ValueError("fresh_discriminator_accuracy: codes and prior draws must both be (N, D), N >= 4");
  const Index n = codes.size(0), d = codes.size(1), half = n / 2;
  // Rows [0, half) of each side train; rows [half, n) test. Label 1 = prior.
  auto rows = [&](Index from, Index to) {
    Tensor x(core::Shape{2 * (to - from), d});
    IndexTensor y(core::Shape{2 * (to - from)});
    for (Index i = from; i < to; ++i) {
      const Index r = 2 * (i - from);
      std::copy_n(codes.data() + i * d, d, x.data() + r * d);
      std::copy_n(prior_draws.data() + i * d, d, x.data() + (r + 1) * d);
      y.data()[r] = 0, y.data()[r + 1] = 1;
    }
    return std::pair{std::move(x), std::move(y)};
  };
  const auto [train_x, train_y] = rows(0, half);
  const auto [test_x, test_y] = rows(half, n);

  nn::MLP disc(nn::MLPOptions{.sizes = {d, hidden, hidden, 1}}, gen);
  nn::Adam optim(disc.parameters(), nn::AdamOptions{.lr = 1e-3});
  const Index m = train_x.size(0);
  for (int e = 0; e < epochs; ++e) {
    const IndexTensor order = core::permutation(m, gen);
    for (Index start = 0; start < m; start += batch_size) {
      const Index b = std::min(batch_size, m - start);
      IndexTensor idx(core::Shape{b});
      Tensor target(core::Shape{b, 1});
      for (Index i = 0; i < b; ++i) {
        idx.data()[i] = order.data()[start + i];
        target.data()[i] = static_cast<float>(train_y.data()[idx.data()[i]]);
      }
      disc.zero_grad();
      const Var loss = nn::bce_with_logits(disc.forward(Var(core::index_select(train_x, 0, idx))), target);
      loss.backward();
      optim.step();
    }
  }
  const autograd::NoGradGuard no_grad;
  const Tensor logits = disc.forward(Var(test_x)).value();
  Index correct = 0;
  for (Index i = 0; i < test_x.size(0); ++i) correct += (logits.data()[i] > 0) == (test_y.data()[i] == 1);
  return static_cast<double>(correct) / static_cast<double>(test_x.size(0));
}

std::optional<double> aggregate_total_correlation(GenerativeModel& model, const nn::Dataset& data, Index n,
                                                  core::Generator& gen) {
  auto* lvm = dynamic_cast<LatentVariableModel*>(&model);
  n = std::min(n, data.size());
  if (!lvm || n < 2) return std::nullopt;
  const autograd::NoGradGuard no_grad;
  std::vector<Tensor> mus, logvars;
  for (Index start = 0; start < n; start += 500) {
    std::vector<Index> idx(static_cast<std::size_t>(std::min<Index>(500, n - start)));
    std::iota(idx.begin(), idx.end(), start);
    const DistributionPtr q = lvm->posterior(data.get_batch(idx));
    const auto* normal = dynamic_cast<const nn::Normal<>*>(q.get());
    if (!normal || normal->loc().shape() != normal->logvar().shape() || normal->loc().dim() != 2) return std::nullopt;
    mus.push_back(normal->loc().value()), logvars.push_back(normal->logvar().value());
  }
  return total_correlation(core::concat<float>(mus, 0), core::concat<float>(logvars, 0), gen);
}

}  // namespace xgrad::models
