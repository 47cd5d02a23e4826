#include "xgrad/core/dropout.hpp"

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/detail/splitmix.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

template <class T>
void run(T* out, const T* in, Index n, std::uint64_t first, std::uint64_t threshold, T scale, std::uint64_t seed) {
  // A plain loop over independent elements: the compiler vectorises it (64-bit multiplies
  // and compares in AVX-512).
  for (Index i = 0; i < n; ++i) {
    const std::uint64_t g = first + static_cast<std::uint64_t>(i);
    const std::uint64_t bits = detail::splitmix64_mix(seed + g * detail::kGoldenGamma) >> 32;
    out[i] = bits < threshold ? T(0) : in[i] * scale;
  }
}

}  // namespace

template <class T>
void hashed_dropout(T* out, const T* in, Index n, Index first, T p, std::uint64_t seed) {
  if (!(p >= T(0) && p < T(1))) detail::fail<ValueError>("dropout: probability {} is outside [0, 1)", p);
  const auto threshold = static_cast<std::uint64_t>(static_cast<double>(p) * 4294967296.0);
  const T scale = T(1) / (T(1) - p);
  detail::parallel_elements(n, detail::kCostlyGrain, [&](Index lo, Index hi) {
    run(out + lo, in + lo, hi - lo, static_cast<std::uint64_t>(first + lo), threshold, scale, seed);
  });
}

template void hashed_dropout<float>(float*, const float*, Index, Index, float, std::uint64_t);
template void hashed_dropout<double>(double*, const double*, Index, Index, double, std::uint64_t);

}  // namespace xgrad::core
