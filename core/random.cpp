// xoshiro256** (Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c)
// seeded through splitmix64, as its authors recommend. Tensor samplers draw one
// value at a time on the calling thread: a seed then gives the same tensor
// whatever the thread count. Float tensors are sampled in double and rounded, so
// float and double draws from one seed agree to float precision.
#include "xgrad/core/random.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/splitmix.hpp"

namespace xgrad::core {
namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

template <class T>
void check_probability(T p, const char* op) {
  if (!(p >= T(0) && p <= T(1))) detail::fail<ValueError>("{}: probability {} is outside [0, 1]", op, p);
}

}  // namespace

void Generator::manual_seed(std::uint64_t seed) {
  state_ = State{};
  for (auto& w : state_.s) w = detail::splitmix64(seed);
}

std::uint64_t Generator::next_u64() {
  auto& s = state_.s;
  const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double Generator::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Generator::normal() {
  if (state_.has_spare_normal) {
    state_.has_spare_normal = false;
    return state_.spare_normal;
  }
  const double u1 = 1.0 - uniform();  // in (0, 1]: log never sees 0
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  state_.spare_normal = r * std::sin(theta);
  state_.has_spare_normal = true;
  return r * std::cos(theta);
}

// Lemire, "Fast random integer generation in an interval" (2019): the high word of
// x * n is uniform in [0, n) once the few low words below 2^64 mod n are rejected.
std::uint64_t Generator::below(std::uint64_t n) {
  if (n == 0) detail::fail<ValueError>("below: n must be positive");
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

namespace {

/// Fills `out` with draw(i) for each element i, or, under a row shard that `out`'s first
/// dimension matches, draws the elements of the other rows too (in order, discarded) so
/// that the stream advances as for the whole batch.
/// Whether a tensor of `shape` is drawn per row of the generator's row shard, and how
/// many numbers a row takes. A shard of 0 rows (a process whose part of a small batch is
/// empty) still draws, and discards, every other process's rows.
std::pair<bool, Index> sharded_rows(const Shape& shape, const Generator::RowShard& sh) {
  if (!(sh.total > 0 && shape.rank() >= 1 && shape[0] == sh.rows)) return {false, 0};
  Index per_row = 1;
  for (int d = 1; d < shape.rank(); ++d) per_row *= shape[d];
  return {true, per_row};
}

template <class T, class Draw>
void fill_rows(Tensor<T>& out, Generator& gen, Draw draw) {
  const Generator::RowShard& sh = gen.row_shard();
  const auto [sharded, per_row] = sharded_rows(out.shape(), sh);
  if (sharded)
    for (Index i = 0; i < sh.offset * per_row; ++i) draw(i);
  for (Index i = 0; i < out.numel(); ++i) out.data()[i] = draw(i);
  if (sharded)
    for (Index i = (sh.offset + sh.rows) * per_row; i < sh.total * per_row; ++i) draw(i);
}

}  // namespace

template <class T>
Tensor<T> uniform(const Shape& shape, T lo, T hi, Generator& gen) {
  if (!(lo <= hi)) detail::fail<ValueError>("uniform: lo {} is above hi {}", lo, hi);
  Tensor<T> out(shape);
  const double a = lo, w = static_cast<double>(hi) - a;
  // Rounding to float can land on hi itself; step back inside [lo, hi).
  const T top = lo < hi ? std::nextafter(hi, lo) : hi;
  fill_rows(out, gen, [&](Index) { return std::min(static_cast<T>(a + w * gen.uniform()), top); });
  return out;
}

template <class T>
Tensor<T> normal(const Shape& shape, T mean, T stddev, Generator& gen) {
  if (!(stddev >= T(0))) detail::fail<ValueError>("normal: stddev {} is negative", stddev);
  Tensor<T> out(shape);
  const double m = mean, s = stddev;
  fill_rows(out, gen, [&](Index) { return static_cast<T>(m + s * gen.normal()); });
  return out;
}

template <class T>
Tensor<T> bernoulli(const Shape& shape, T p, Generator& gen) {
  check_probability(p, "bernoulli");
  Tensor<T> out(shape);
  const double q = p;
  fill_rows(out, gen, [&](Index) { return gen.uniform() < q ? T(1) : T(0); });
  return out;
}

template <class T>
Tensor<T> bernoulli(const Tensor<T>& probs, Generator& gen) {
  for (T p : probs) check_probability(p, "bernoulli");
  Tensor<T> out(probs.shape());
  // The other rows' probabilities are not here; their draws are made and discarded
  // (an index past this tensor is one of them).
  fill_rows(out, gen, [&](Index i) {
    const double u = gen.uniform();
    return i < out.numel() && u < static_cast<double>(probs.data()[i]) ? T(1) : T(0);
  });
  return out;
}

template <class T>
IndexTensor categorical(const Tensor<T>& probs, Generator& gen) {
  const Shape& ps = probs.shape();
  if (ps.rank() != 2) detail::fail("categorical: probs must have shape (n, k), got {}", ps);
  const Index n = ps[0], k = ps[1];
  for (Index i = 0; i < n; ++i) {  // validate every row before drawing any
    const T* row = probs.data() + i * k;
    double sum = 0;
    for (Index j = 0; j < k; ++j) {
      if (!(row[j] >= T(0) && std::isfinite(static_cast<double>(row[j]))))
        detail::fail<ValueError>("categorical: weight {} in row {} of probs of shape {} is negative or not finite",
                                 row[j], i, ps);
      sum += row[j];
    }
    if (!(sum > 0)) detail::fail<ValueError>("categorical: row {} of probs of shape {} sums to zero", i, ps);
  }
  IndexTensor out(Shape{n});
  // Under a row shard that n matches, the other rows' draws (one uniform each) are made
  // and discarded, as the tensor samplers do.
  const bool sharded = sharded_rows(Shape{n}, gen.row_shard()).first;
  const Index before = sharded ? gen.row_shard().offset : 0, after = sharded ? gen.row_shard().total - before - n : 0;
  for (Index i = 0; i < before; ++i) gen.uniform();
  for (Index i = 0; i < n; ++i) {
    const T* row = probs.data() + i * k;
    double sum = 0;
    Index last_positive = 0;
    for (Index j = 0; j < k; ++j) {
      sum += row[j];
      if (row[j] > T(0)) last_positive = j;
    }
    const double u = gen.uniform() * sum;
    // Rounding may leave u at or past the final cumulative sum: fall back to the
    // last category that can be drawn, never a zero-weight one.
    Index pick = last_positive;
    double cum = 0;
    for (Index j = 0; j < k; ++j) {
      cum += row[j];
      if (u < cum) {
        pick = j;
        break;
      }
    }
    out.data()[i] = pick;
  }
  for (Index i = 0; i < after; ++i) gen.uniform();
  return out;
}

IndexTensor permutation(Index n, Generator& gen) {
  if (n < 0) detail::fail<ValueError>("permutation: n must be non-negative, got {}", n);
  IndexTensor out = IndexTensor::arange(0, n);
  Index* p = out.data();
  for (Index i = n - 1; i > 0; --i) std::swap(p[i], p[static_cast<Index>(gen.below(static_cast<std::uint64_t>(i) + 1))]);
  return out;
}

#define XGRAD_RANDOM(T)                                                         \
  template Tensor<T> uniform(const Shape&, T, T, Generator&);                   \
  template Tensor<T> normal(const Shape&, T, T, Generator&);                    \
  template Tensor<T> bernoulli(const Shape&, T, Generator&);                    \
  template Tensor<T> bernoulli(const Tensor<T>&, Generator&);                   \
  template IndexTensor categorical(const Tensor<T>&, Generator&);
XGRAD_RANDOM(float)
XGRAD_RANDOM(double)
#undef XGRAD_RANDOM

}  // namespace xgrad::core
