#pragma once
// Generator: a seeded, portable random engine (xoshiro256** seeded by
// splitmix64, with its own uniform and normal samplers), so a seed gives the same
// numbers with any compiler, standard library or machine.
#include <array>
#include <cstdint>

#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

class Generator {
 public:
  /// Everything needed to resume the exact stream (saved in checkpoints).
  struct State {
    std::array<std::uint64_t, 4> s{};
    bool has_spare_normal = false;
    double spare_normal = 0.0;
    friend bool operator==(const State&, const State&) = default;
  };

  explicit Generator(std::uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(std::uint64_t seed);
  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal();
  /// Uniform integer in [0, n) without modulo bias.
  std::uint64_t below(std::uint64_t n);

  State state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

  /// The rows of a larger batch that this process holds (data-parallel training:
  /// `rows` of `total`, from row `offset`). While set (total > 0), the tensor
  /// samplers below draw a tensor whose first dimension is `rows` as if it had
  /// `total` rows and keep this process's slice, so N processes each drawing for
  /// their part of a batch see exactly the numbers one process drawing for the
  /// whole batch sees, and every generator ends in that one process's state.
  struct RowShard {
    Index offset = 0, rows = 0, total = 0;
  };
  void set_row_shard(const RowShard& shard) { shard_ = shard; }
  const RowShard& row_shard() const { return shard_; }

 private:
  State state_;
  RowShard shard_;
};

// Tensor samplers draw element by element on the calling thread, so a seed gives the
// same tensor whatever the thread count. uniform, normal, both bernoulli and categorical
// follow the generator's RowShard; permutation draws as asked (a permutation of a batch
// is of the whole batch: gather the rows first). Float tensors are drawn in double and
// rounded: float and double draws from one seed agree to float precision.

/// Uniform in [lo, hi) (a float that would round up to hi is moved just below it).
template <class T> Tensor<T> uniform(const Shape& shape, T lo, T hi, Generator& gen);
template <class T> Tensor<T> normal(const Shape& shape, T mean, T stddev, Generator& gen);
/// 1 with probability p, else 0.
template <class T> Tensor<T> bernoulli(const Shape& shape, T p, Generator& gen);
/// Element-wise: 1 with probability probs[i].
template <class T> Tensor<T> bernoulli(const Tensor<T>& probs, Generator& gen);
/// One draw per row of (n, k) non-negative weights (need not sum to 1) -> (n,) indices.
template <class T> IndexTensor categorical(const Tensor<T>& probs, Generator& gen);
/// A random permutation of 0 .. n-1 (Fisher-Yates).
IndexTensor permutation(Index n, Generator& gen);

}  // namespace xgrad::core
