#pragma once
// splitmix64 (Steele, Lea & Flood 2014), private to core's .cpp files: the generator
// seeds xoshiro256** through it, and hashed dropout uses its finaliser as a hash.
#include <cstdint>

namespace xgrad::core::detail {

inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

/// splitmix64's finaliser: every input bit reaches every output bit.
inline std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The next output of the splitmix64 stream whose state is x.
inline std::uint64_t splitmix64(std::uint64_t& x) { return splitmix64_mix(x += kGoldenGamma); }

}  // namespace xgrad::core::detail
