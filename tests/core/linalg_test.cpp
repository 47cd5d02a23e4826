#include "xgrad/core/linalg.hpp"

#include <catch2/catch.hpp>
#include <type_traits>

#include "fixture.hpp"
#include "kernel_check.hpp"
#include "xgrad/core/parallel.hpp"

using namespace xgrad::core;

namespace {

template <class T>
Tensor<T> fx(const char* name) {
  return xgrad::test::fixture<T>("core_linalg.json", name);
}

template <class T>
bool close(const Tensor<T>& a, const Tensor<T>& b) {
  return std::is_same_v<T, float> ? allclose(a, b, 1e-5, 1e-5) : allclose(a, b, 1e-12, 1e-12);
}


// op(a) @ op(b) for 3-D a and b, by the definition.
Tensor<double> naive_bmm(const Tensor<double>& a, const Tensor<double>& b, bool ta, bool tb) {
  const Index B = a.size(0), m = ta ? a.size(2) : a.size(1), k = ta ? a.size(1) : a.size(2);
  const Index n = tb ? b.size(1) : b.size(2);
  auto c = Tensor<double>::zeros({B, m, n});
  for (Index e = 0; e < B; ++e)
    for (Index i = 0; i < m; ++i)
      for (Index j = 0; j < n; ++j) {
        double s = 0;
        for (Index l = 0; l < k; ++l)
          s += (ta ? a.at({e, l, i}) : a.at({e, i, l})) * (tb ? b.at({e, j, l}) : b.at({e, l, j}));
        c.at({e, i, j}) = s;
      }
  return c;
}

struct Threads {  // restores the default thread count when a test ends
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(0); }
};

}  // namespace

TEMPLATE_TEST_CASE("matmul matches PyTorch for every transpose combination", "[linalg]", float, double) {
  using T = TestType;
  const auto a = fx<T>("mm_a"), at = fx<T>("mm_at"), b = fx<T>("mm_b"), bt = fx<T>("mm_bt");
  CHECK(close(matmul(a, b), fx<T>("mm_nn")));
  CHECK(close(matmul(at, b, Trans::Yes, Trans::No), fx<T>("mm_tn")));
  CHECK(close(matmul(a, bt, Trans::No, Trans::Yes), fx<T>("mm_nt")));
  CHECK(close(matmul(at, bt, Trans::Yes, Trans::Yes), fx<T>("mm_tt")));
}

TEMPLATE_TEST_CASE("batched matmul multiplies entry by entry", "[linalg]", float, double) {
  using T = TestType;
  CHECK(close(matmul(fx<T>("bmm_a"), fx<T>("bmm_b")), fx<T>("bmm_nn")));
  CHECK(close(matmul(fx<T>("bmm_at"), fx<T>("bmm_bt"), Trans::Yes, Trans::Yes), fx<T>("bmm_tt")));
}

TEMPLATE_TEST_CASE("a 3-D by 2-D matmul applies the matrix to every batch entry", "[linalg]", float, double) {
  using T = TestType;
  CHECK(close(matmul(fx<T>("bmm_a"), fx<T>("b2_m")), fx<T>("b2_nn")));               // one tall GEMM
  CHECK(close(matmul(fx<T>("bmm_at"), fx<T>("b2_m"), Trans::Yes), fx<T>("b2_tn")));  // one GEMM per entry
  CHECK(close(matmul(fx<T>("bmm_a"), fx<T>("b2_mt"), Trans::No, Trans::Yes), fx<T>("b2_nt")));
}

TEMPLATE_TEST_CASE("a 2-D by 3-D matmul applies the matrix to every batch entry", "[linalg]", float, double) {
  using T = TestType;
  CHECK(close(matmul(fx<T>("b2_m2"), fx<T>("bmm_b")), fx<T>("b2_left")));
}

TEMPLATE_TEST_CASE("gemm_ scales the product and accumulates onto the output", "[linalg]", float, double) {
  using T = TestType;
  const auto c0 = xgrad::test::random_tensor<T>({3, 5}, 7);
  auto c = c0;
  gemm_(c, fx<T>("mm_at"), fx<T>("mm_b"), Trans::Yes, Trans::No, T(0.5), T(2));
  auto expected = fx<T>("mm_tn");
  for (Index i = 0; i < expected.numel(); ++i) expected.data()[i] = T(0.5) * expected.data()[i] + T(2) * c0.data()[i];
  CHECK(close(c, expected));

  auto cb = xgrad::test::random_tensor<T>({2, 3, 5}, 8);
  auto expected_b = fx<T>("bmm_nn");
  for (Index i = 0; i < expected_b.numel(); ++i) expected_b.data()[i] += cb.data()[i];
  gemm_(cb, fx<T>("bmm_a"), fx<T>("bmm_b"), Trans::No, Trans::No, T(1), T(1));
  CHECK(close(cb, expected_b));
}

TEST_CASE("gemm_ rejects an output of the wrong shape", "[linalg]") {
  Tensor<float> c(Shape{3, 4});
  CHECK_THROWS_AS(gemm_(c, Tensor<float>(Shape{3, 2}), Tensor<float>(Shape{2, 5}), Trans::No, Trans::No), ShapeError);
  CHECK_THROWS_WITH(gemm_(c, Tensor<float>(Shape{2, 3}), Tensor<float>(Shape{2, 5}), Trans::Yes, Trans::No),
                    "gemm_: output has shape (3, 4) but the product of (2, 3)^T and (2, 5) has shape (3, 5)");
}

TEST_CASE("matmul names both shapes when they do not fit", "[linalg]") {
  const Tensor<double> a(Shape{2, 3}), b(Shape{4, 5});
  CHECK_THROWS_AS(matmul(a, b), ShapeError);
  CHECK_THROWS_WITH(matmul(a, b), "matmul: shapes (2, 3) and (4, 5) do not fit (inner dimensions 3 and 4)");
  CHECK_THROWS_WITH(matmul(a, b, Trans::Yes, Trans::Yes),
                    "matmul: shapes (2, 3)^T and (4, 5)^T do not fit (inner dimensions 2 and 5)");
  CHECK_THROWS_WITH(matmul(Tensor<double>(Shape{2, 3, 4}), Tensor<double>(Shape{3, 4, 5})),
                    "matmul: shapes (2, 3, 4) and (3, 4, 5) have different batch sizes (2 and 3)");
  CHECK_THROWS_WITH(matmul(Tensor<double>(Shape{3}), b),
                    "matmul: expects 2-D or 3-D operands, got shapes (3) and (4, 5)");
}

TEMPLATE_TEST_CASE("linear matches PyTorch with and without bias and for 3-D input", "[linalg]", float, double) {
  using T = TestType;
  const auto w = fx<T>("lin_w"), b = fx<T>("lin_b");
  CHECK(close(linear(fx<T>("lin_x"), w, b), fx<T>("lin_y")));
  CHECK(close(linear(fx<T>("lin_x"), w, Tensor<T>()), fx<T>("lin_y_nobias")));
  const auto y3 = linear(fx<T>("lin_x3"), w, b);
  CHECK(y3.shape() == Shape{2, 3, 5});
  CHECK(close(y3, fx<T>("lin_y3")));
}

TEST_CASE("linear names the shapes that do not fit", "[linalg]") {
  const Tensor<float> x(Shape{3, 4}), w(Shape{5, 4});
  CHECK_THROWS_WITH(linear(Tensor<float>(Shape{3, 6}), w, Tensor<float>()),
                    "linear: input (3, 6) and weight (5, 4) do not fit (in features 6 and 4)");
  CHECK_THROWS_WITH(linear(x, w, Tensor<float>(Shape{4})), "linear: bias (4) does not match weight (5, 4) (5 outputs)");
  CHECK_THROWS_AS(linear(x, Tensor<float>(Shape{5, 4, 1}), Tensor<float>()), ShapeError);
}

TEST_CASE("matmul over an empty inner dimension gives zeros", "[linalg]") {
  const auto c = matmul(Tensor<float>(Shape{2, 0}), Tensor<float>(Shape{0, 3}));
  CHECK(c.shape() == Shape{2, 3});
  CHECK(c.to_vector() == std::vector<float>(6, 0.f));
  CHECK(linear(Tensor<float>(Shape{2, 0}), Tensor<float>(Shape{3, 0}), Tensor<float>::ones({3})).to_vector() ==
        std::vector<float>(6, 1.f));
}

TEST_CASE("batched matmul of many small entries is thread-count independent and exact", "[linalg]") {
  // 64 entries of 16x16x16 are spread over threads; 3-D @ 2-D with ta = Yes loops too.
  const auto a = xgrad::test::random_tensor<double>({64, 16, 16}, 1), b = xgrad::test::random_tensor<double>({64, 16, 16}, 2);
  Tensor<double> c1, c2, d1, d2;
  {
    Threads one(1);
    c1 = matmul(a, b, Trans::Yes, Trans::No);
    d1 = matmul(a, b, Trans::No, Trans::Yes);
  }
  {
    Threads two(2);
    c2 = matmul(a, b, Trans::Yes, Trans::No);
    d2 = matmul(a, b, Trans::No, Trans::Yes);
  }
  CHECK(equal(c1, c2));
  CHECK(equal(d1, d2));
  CHECK(allclose(c1, naive_bmm(a, b, true, false), 1e-12, 1e-12));
  CHECK(allclose(d1, naive_bmm(a, b, false, true), 1e-12, 1e-12));
}

TEST_CASE("batched matmul of entries large enough for threaded BLAS matches the definition", "[linalg]") {
  const auto a = xgrad::test::random_tensor<double>({3, 90, 80}, 3), b = xgrad::test::random_tensor<double>({3, 70, 90}, 4);
  CHECK(allclose(matmul(a, b, Trans::Yes, Trans::Yes), naive_bmm(a, b, true, true), 1e-12, 1e-12));
}
