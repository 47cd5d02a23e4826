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

TEST_CASE("cross_entropy_backward follows gy (softmax - onehot), on 1 and 2 threads alike", "[losses][determinism]") {
  // 3001 rows of 37 classes: whole and padded batches in every row, rows over parallel tasks;
  // the rows given as (3001, 37) and as (1, 3001, 37) alike.
  const Index rows = 3001, classes = 37;
  const auto z = random_tensor<float>({rows, classes}, 31, -6, 6), gy = random_tensor<float>({rows}, 32, -2, 2);
  IndexTensor labels(Shape{rows});
  Tensor<float> lse(Shape{rows});
  for (Index i = 0; i < rows; ++i) {
    labels.data()[i] = (i * 7) % classes;
    long double s = 0;
    for (Index j = 0; j < classes; ++j) s += std::exp(static_cast<long double>(z.data()[i * classes + j]));
    lse.data()[i] = static_cast<float>(std::log(s));
  }
  set_num_threads(1);
  const Tensor<float> one = cross_entropy_backward(z, labels, lse, gy);
  set_num_threads(2);
  const Tensor<float> two = cross_entropy_backward(z.reshape(Shape{1, rows, classes}), labels.reshape(Shape{1, rows}), lse, gy);
  set_num_threads(0);
  CHECK(same_bits(one, two.reshape(Shape{rows, classes})));
  for (Index i = 0; i < rows; i += 61)
    for (Index j = 0; j < classes; ++j) {
      const long double p = std::exp(static_cast<long double>(z.data()[i * classes + j]) - lse.data()[i]);
      const long double want = gy.data()[i] * (p - (labels.data()[i] == j ? 1 : 0));
      CHECK(std::fabs(one.data()[i * classes + j] - static_cast<double>(want)) <= 1e-5);
    }
  // An empty batch has an empty gradient; logits that are not rows of the labels are named.
  CHECK(cross_entropy_backward(Tensor<float>(Shape{0, 5}), IndexTensor(Shape{0}), Tensor<float>(Shape{0}),
                               Tensor<float>(Shape{0}))
            .shape() == Shape{0, 5});
  CHECK_THROWS_WITH(cross_entropy_backward(Tensor<float>(Shape{7, 5}), IndexTensor(Shape{6}), Tensor<float>(Shape{6}),
                                           Tensor<float>(Shape{6})),
                    "cross_entropy_backward: logits (7, 5), labels (6), log-sum-exps (6) and gradient (6) do not match");
}
