#include "xgrad/models/common/latent.hpp"

#include <fmt/format.h>

#include <numeric>
#include <vector>

#include "xgrad/nn/distributions/kl.hpp"

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
  const Index d = model.latent_dim();
  std::vector<double> sum(static_cast<std::size_t>(d), 0.0);
  for_each_batch(data, batch_size, [&](const Batch& batch) {
    const Tensor kl = nn::kl_divergence(model.posterior(batch), model.prior(batch.size())).value();
    for (Index i = 0; i < kl.numel(); ++i) sum[static_cast<std::size_t>(i % d)] += kl.data()[i];
  });
  Tensor out({d});
  for (Index j = 0; j < d; ++j) out.data()[j] = static_cast<float>(sum[static_cast<std::size_t>(j)] / data.size());
  return out;
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

}  // namespace xgrad::models
