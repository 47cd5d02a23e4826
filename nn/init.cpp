#include "xgrad/nn/init.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace xgrad::nn::init {

double calculate_gain(Nonlinearity nonlinearity, double slope) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Sigmoid: return 1.0;
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  return 1.0;
}

std::pair<Index, Index> fans(const Shape& shape) {
  if (shape.rank() < 2)
    throw core::ShapeError(
        fmt::format("init: fan in and fan out need at least 2 dimensions, got shape {}", shape.str()));
  Index receptive = 1;
  for (int i = 2; i < shape.rank(); ++i) receptive *= shape[i];
  return {shape[1] * receptive, shape[0] * receptive};
}

void uniform_(Tensor& t, double lo, double hi, core::Generator& gen) {
  t = core::uniform<float>(t.shape(), static_cast<float>(lo), static_cast<float>(hi), gen);
}

void normal_(Tensor& t, double mean, double stddev, core::Generator& gen) {
  t = core::normal<float>(t.shape(), static_cast<float>(mean), static_cast<float>(stddev), gen);
}

void constant_(Tensor& t, double value) { t.fill_(static_cast<float>(value)); }
void zeros_(Tensor& t) { t.fill_(0.f); }
void ones_(Tensor& t) { t.fill_(1.f); }

void xavier_uniform_(Tensor& t, core::Generator& gen, double gain) {
  const auto [in, out] = fans(t.shape());
  const double a = gain * std::sqrt(6.0 / static_cast<double>(in + out));
  uniform_(t, -a, a, gen);
}

void xavier_normal_(Tensor& t, core::Generator& gen, double gain) {
  const auto [in, out] = fans(t.shape());
  normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(in + out)), gen);
}

namespace {
double kaiming_std(const Shape& shape, double a, FanMode mode, Nonlinearity nonlinearity) {
  const auto [in, out] = fans(shape);
  const double fan = static_cast<double>(mode == FanMode::FanIn ? in : out);
  return calculate_gain(nonlinearity, a) / std::sqrt(fan);
}
}  // namespace

void kaiming_uniform_(Tensor& t, core::Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  const double bound = std::sqrt(3.0) * kaiming_std(t.shape(), a, mode, nonlinearity);
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(Tensor& t, core::Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  normal_(t, 0.0, kaiming_std(t.shape(), a, mode, nonlinearity), gen);
}

// Gram-Schmidt on the columns of a tall normal matrix gives the Q of its QR with a
// positive diagonal in R, which is what torch gets from Householder QR after
// multiplying Q by sign(diag(R)). Each column is orthogonalised twice ("twice is
// enough", Giraud et al. 2005), in double, so Q is orthonormal to rounding.
void orthogonal_(Tensor& t, core::Generator& gen, double gain) {
  if (t.dim() < 2)
    throw core::ShapeError(fmt::format("orthogonal_: needs at least 2 dimensions, got shape {}", t.shape().str()));
  const Index rows = t.size(0), cols = t.numel() / rows;
  const bool wide = rows < cols;
  const Index m = wide ? cols : rows, n = wide ? rows : cols;  // the tall (m, n) matrix, m >= n
  // q holds its n columns one after another; draws fill the (rows, cols) matrix row-major.
  std::vector<double> q(static_cast<std::size_t>(m * n));
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) {
      const double z = gen.normal();
      q[static_cast<std::size_t>(wide ? i * m + j : j * m + i)] = z;
    }
  for (Index j = 0; j < n; ++j) {
    double* v = q.data() + j * m;
    for (int pass = 0; pass < 2; ++pass)
      for (Index k = 0; k < j; ++k) {
        const double* u = q.data() + k * m;
        double dot = 0;
        for (Index i = 0; i < m; ++i) dot += u[i] * v[i];
        for (Index i = 0; i < m; ++i) v[i] -= dot * u[i];
      }
    double norm = 0;
    for (Index i = 0; i < m; ++i) norm += v[i] * v[i];
    norm = std::sqrt(norm);
    for (Index i = 0; i < m; ++i) v[i] /= norm;
  }
  // Back to (rows, cols): a tall matrix is Q itself, a wide one is Q^T.
  float* out = t.data();
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j)
      out[i * cols + j] = static_cast<float>(gain * q[static_cast<std::size_t>(wide ? i * m + j : j * m + i)]);
}

}  // namespace xgrad::nn::init
