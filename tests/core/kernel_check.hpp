#pragma once
// Shared by the kernel tests: per-type tolerances, a closeness check that names
// the first element off, and seeded random tensors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include "fixture.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::test {

/// float: a few ulps of xsimd's exp/log/pow; double: well below anything a
/// formula error would produce.
template <class T>
struct Tolerance;
template <>
struct Tolerance<float> {
  static constexpr double rtol = 1e-5, atol = 1e-6;
};
template <>
struct Tolerance<double> {
  static constexpr double rtol = 1e-11, atol = 1e-13;
};

/// Same shape and every |got - want| <= atol + rtol * |want| (NaN never matches).
template <class T>
void check_close(const core::Tensor<T>& got, const core::Tensor<T>& want, double rtol = Tolerance<T>::rtol,
                 double atol = Tolerance<T>::atol) {
  INFO("got  " << got.str());
  INFO("want " << want.str());
  REQUIRE(got.shape().str() == want.shape().str());
  for (core::Index i = 0; i < got.numel(); ++i) {
    const double g = static_cast<double>(got.data()[i]), w = static_cast<double>(want.data()[i]);
    if (!(std::abs(g - w) <= atol + rtol * std::abs(w))) {
      std::ostringstream os;
      os.precision(17);
      os << "element " << i << ": got " << g << ", want " << w;
      FAIL(os.str());
    }
  }
}

/// Bitwise equality of shape and values (NaNs compare by their bits).
template <class T>
bool same_bits(const core::Tensor<T>& a, const core::Tensor<T>& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.numel()) * sizeof(T)) == 0;
}

template <class T>
core::Tensor<T> random_tensor(const core::Shape& shape, unsigned seed, double lo = -1, double hi = 1) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  core::Tensor<T> t(shape);
  for (T& v : t) v = static_cast<T>(dist(gen));
  return t;
}

}  // namespace xgrad::test
