// The element-wise loss kernel against the formula in long double, over logits
// from the saturated tails to zero, on enough elements to run whole SIMD batches,
// the padded last batch and the parallel path.
#include <catch2/catch.hpp>

#include <cmath>

#include "kernel_check.hpp"
#include "xgrad/core/losses.hpp"
#include "xgrad/core/parallel.hpp"

using namespace xgrad::core;
using xgrad::test::check_close;
using xgrad::test::random_tensor;
using xgrad::test::same_bits;

namespace {

long double softplus_ref(long double z) { return std::max(z, 0.0L) + std::log1p(std::exp(-std::fabs(z))); }

/// 40,003 logits in [-40, 40] with the extremes and zero planted at the front.
template <class T>
Tensor<T> logits() {
  Tensor<T> z = random_tensor<T>({40003}, 11, -40, 40);
  const T planted[] = {0, -0.0f, 1e-8f, -1e-8f, 88, -88, 200, -200};
  for (std::size_t i = 0; i < std::size(planted); ++i) z.data()[i] = planted[i];
  return z;
}

/// The loss is softplus(z) - z t: when t is near 1 and z large the two terms
/// cancel, so a rounding of the terms (size |z|) is all any formula can promise;
/// the tolerance is relative to |z| + |loss|, not to the small loss alone.
template <class T>
void check_loss_close(const Tensor<T>& got, const Tensor<T>& want, const Tensor<T>& z) {
  const double rtol = xgrad::test::Tolerance<T>::rtol, atol = xgrad::test::Tolerance<T>::atol;
  for (Index i = 0; i < got.numel(); ++i) {
    const double g = got.data()[i], w = want.data()[i], scale = std::fabs(w) + std::fabs(double(z.data()[i]));
    if (std::fabs(g - w) <= atol + rtol * scale) continue;
    FAIL("element " << i << ": z " << z.data()[i] << ", got " << g << ", want " << w);
  }
}

template <class T>
void check_against_formula() {
  const Tensor<T> z = logits<T>(), t = random_tensor<T>(z.shape(), 12, 0, 1);
  Tensor<T> loss_ref(z.shape()), dz_ref(z.shape());
  for (Index i = 0; i < z.numel(); ++i) {
    const long double zi = z.data()[i], ti = t.data()[i];
    loss_ref.data()[i] = static_cast<T>(softplus_ref(zi) - zi * ti);
    dz_ref.data()[i] = static_cast<T>(1 / (1 + std::exp(-zi)) - ti);
  }
  const auto [loss, dz] = bce_with_logits(z, t);
  check_loss_close(loss, loss_ref, z);
  check_close(dz, dz_ref);
}

}  // namespace

TEST_CASE("bce_with_logits and its derivative follow the formula in float and double", "[losses]") {
  check_against_formula<float>();
  check_against_formula<double>();
}

TEST_CASE("bce_with_logits gives the same bits on 1 and 2 threads", "[losses][determinism]") {
  const auto z = logits<float>(), t = random_tensor<float>(z.shape(), 14, 0, 1);
  set_num_threads(1);
  const auto one = bce_with_logits(z, t);
  set_num_threads(2);
  const auto two = bce_with_logits(z, t);
  set_num_threads(0);
  CHECK(same_bits(one.loss, two.loss));
  CHECK(same_bits(one.dz, two.dz));
}

TEST_CASE("bce_with_logits names the op and both shapes when they differ", "[losses][errors]") {
  const auto z = Tensor<float>::zeros({2, 3}), t = Tensor<float>::zeros({3, 2});
  CHECK_THROWS_WITH(bce_with_logits(z, t), "bce_with_logits: shapes (2, 3) and (3, 2) must be equal");
  CHECK_THROWS_WITH(bce_with_logits(z, Tensor<float>()), "bce_with_logits: an input tensor is undefined");
}

TEST_CASE("mean_row_squared_distance and its gradients follow the formula, on 1 and 2 threads alike",
          "[losses][determinism]") {
  // 6273 rows of 64 (the VQ-VAE's 6272, plus one): whole and padded batches, parallel tasks.
  const auto a = random_tensor<float>({6273, 64}, 21, -1, 1), b = random_tensor<float>({6273, 64}, 22, -1, 1);
  long double ref = 0;
  for (Index i = 0; i < a.numel(); ++i) ref += std::pow(static_cast<long double>(a.data()[i]) - b.data()[i], 2);
  ref /= 6273;
  set_num_threads(1);
  const double one = mean_row_squared_distance(a, b);
  Tensor<float> ga1(a.shape()), gb1(a.shape());
  squared_distance_grads(a, b, 0.5f, 3.0f, &ga1, &gb1);
  set_num_threads(2);
  const double two = mean_row_squared_distance(a, b);
  Tensor<float> ga2(a.shape()), gb2(a.shape());
  squared_distance_grads(a, b, 0.5f, 3.0f, &ga2, &gb2);
  set_num_threads(0);
  CHECK(std::fabs(one - static_cast<double>(ref)) <= 1e-6 * static_cast<double>(ref));
  CHECK(one == two);
  CHECK(same_bits(ga1, ga2));
  CHECK(same_bits(gb1, gb2));
  for (Index i = 0; i < a.numel(); i += 97) {
    CHECK(ga1.data()[i] == 0.5f * (a.data()[i] - b.data()[i]));
    CHECK(gb1.data()[i] == 3.0f * (b.data()[i] - a.data()[i]));
  }
}
