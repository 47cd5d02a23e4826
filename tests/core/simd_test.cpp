// xtensor 0.24.3 with xsimd 8.1 is an unofficial pair (xtensor's config asks for
// xsimd >= 9); these tests make sure vectorisation is really on.
#include <catch2/catch.hpp>

#include "xgrad/core/detail/xt.hpp"

TEST_CASE("xsimd is enabled and picks a wide instruction set", "[simd]") {
#ifndef XTENSOR_USE_XSIMD
  FAIL("XTENSOR_USE_XSIMD is not defined in kernel translation units");
#endif
  using batch = xsimd::batch<float>;
  INFO("xsimd arch: " << xsimd::default_arch::name());
  CHECK(batch::size >= 8);  // AVX2 or wider on any machine this builds for
}

TEST_CASE("xtensor assignments over adapted buffers use the xsimd path", "[simd]") {
  // xtensor reports the SIMD path through its traits: an adapted float buffer
  // assigned from an exp expression must be eligible for linear SIMD assignment.
  std::vector<float> in(64, 1.f), out(64);
  auto a = xgrad::core::detail::flat(in.data(), 64);
  auto b = xgrad::core::detail::flat(out.data(), 64);
  using expr_t = decltype(xt::exp(a));
  CHECK(xt::xassign_traits<decltype(b), expr_t>::simd_linear_assign());
  xt::noalias(b) = xt::exp(a);
  CHECK(out[63] == Approx(2.7182817f));
}
