#include "xgrad/core/linalg.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "fixture.hpp"
#include "kernel_check.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/random.hpp"

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

namespace {
Tensor<double> form(const std::string& name) { return xgrad::test::fixture<double>("matmul_forms.json", name); }
const char* const kForms[] = {"matrix_batch", "batch_matrix", "batch_of_one", "broadcast_4d",  "vector_matrix",
                              "matrix_vector", "vector_vector", "batch_vector", "vector_batch", "rank_3_by_4",
                              "rank_4_matrix"};
}  // namespace

TEST_CASE("matmul broadcasts batch dimensions and reads 1-D operands as torch.matmul does", "[linalg]") {
  for (const std::string c : kForms) {
    INFO(c);
    const auto y = matmul(form(c + ".a"), form(c + ".b"));
    CHECK(y.shape() == form(c + ".y").shape());
    CHECK(close(y, form(c + ".y")));
  }
}

TEST_CASE("matmul of a broadcast batch is the same on any thread count", "[linalg]") {
  // (8,1) against (1,8) batch entries: listed offsets, entries spread over threads.
  const auto a = xgrad::test::random_tensor<double>({8, 1, 16, 16}, 5);
  const auto b = xgrad::test::random_tensor<double>({1, 8, 16, 16}, 6);
  Tensor<double> y1, y2;
  {
    Threads one(1);
    y1 = matmul(a, b, Trans::No, Trans::Yes);
  }
  {
    Threads two(2);
    y2 = matmul(a, b, Trans::No, Trans::Yes);
  }
  CHECK(y1.shape() == Shape{8, 8, 16, 16});
  CHECK(equal(y1, y2));
  auto entry = [](const Tensor<double>& t, Index i) {  // the i-th 16 x 16 matrix of t
    return Tensor<double>(Shape{16, 16}, std::vector<double>(t.data() + i * 256, t.data() + (i + 1) * 256));
  };
  for (Index i = 0; i < 8; ++i)
    for (Index j = 0; j < 8; ++j) {
      INFO("entry " << i << ", " << j);
      CHECK(equal(entry(y1, i * 8 + j), matmul(entry(a, i), entry(b, j), Trans::No, Trans::Yes)));
    }
}

// With the loss sum(y * w), the gradient of y is w: a's gradient is w @ b^T and b's is
// a^T @ w, each summed over the batch entries its operand was broadcast to.
TEST_CASE("gemm_ into a broadcast operand's shape sums over the batch: torch.matmul's gradients", "[linalg]") {
  for (const std::string c : kForms) {
    const auto a = form(c + ".a"), b = form(c + ".b"), w = form(c + ".w");
    if (a.dim() < 2 || b.dim() < 2) continue;  // autograd reads vectors as matrices first
    INFO(c);
    Tensor<double> ga(a.shape()), gb(b.shape());
    gemm_(ga, w, b, Trans::No, Trans::Yes);
    gemm_(gb, a, w, Trans::Yes, Trans::No);
    CHECK(close(ga, form(c + ".grad.a")));
    CHECK(close(gb, form(c + ".grad.b")));
    // beta = 1 adds onto what is there, alpha scales the sum.
    gemm_(gb, a, w, Trans::Yes, Trans::No, 2.0, 1.0);
    CHECK(close(gb, mul(form(c + ".grad.b"), 3.0)));
  }
}

TEST_CASE("gemm_ summing over an empty batch leaves beta times the output", "[linalg]") {
  const Tensor<double> a(Shape{0, 3, 4}), w(Shape{0, 3, 5});
  auto g = Tensor<double>::full(Shape{4, 5}, 7.0);
  gemm_(g, a, w, Trans::Yes, Trans::No, 1.0, 1.0);
  CHECK(g.to_vector() == std::vector<double>(20, 7.0));
  auto h = Tensor<double>::full(Shape{1, 4, 5}, 7.0);
  gemm_(h, Tensor<double>(Shape{0, 1, 3, 4}), Tensor<double>(Shape{1, 2, 3, 5}), Trans::Yes, Trans::No);
  CHECK(h.to_vector() == std::vector<double>(20, 0.0));
}

TEST_CASE("gemm_ rejects an output its product does not broadcast to", "[linalg]") {
  Tensor<double> c(Shape{3, 4, 5});
  CHECK_THROWS_WITH(gemm_(c, Tensor<double>(Shape{2, 4, 3}), Tensor<double>(Shape{2, 4, 5}), Trans::Yes, Trans::No),
                    "gemm_: output has shape (3, 4, 5) but the product of (2, 4, 3)^T and (2, 4, 5) has shape "
                    "(2, 3, 5)");
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
                    "matmul: batch dimensions (2) and (3) of shapes (2, 3, 4) and (3, 4, 5) do not broadcast");
  CHECK_THROWS_WITH(matmul(Tensor<double>(Shape{2, 2, 3, 4}), Tensor<double>(Shape{3, 4, 5})),
                    "matmul: batch dimensions (2, 2) and (3) of shapes (2, 2, 3, 4) and (3, 4, 5) do not broadcast");
  CHECK_THROWS_WITH(matmul(Tensor<double>(Shape{3}), b),
                    "matmul: shapes (3) and (4, 5) do not fit (inner dimensions 3 and 4)");
  CHECK_THROWS_WITH(matmul(Tensor<double>::scalar(1.0), b),
                    "matmul: operands must have at least 1 dimension, got shapes () and (4, 5)");
  CHECK_THROWS_WITH(matmul(Tensor<double>(Shape{4}), b, Trans::Yes),
                    "matmul: a 1-D operand cannot be transposed, got shapes (4)^T and (4, 5)");
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

TEST_CASE("linear's bias is exact in parallel row blocks; its gradient sums chunks of 64 rows in order", "[linalg]") {
  // 300 rows of 130 outputs: the bias is copied in row blocks, and its gradient summed over
  // chunks of 64 rows (the last one short), each column over its chunk's rows in order, then
  // the chunks in order into beta gb (core/linalg.cpp), as here, whatever the threads.
  const Index rows = 300, in = 3, out = 130, chunk = 64;
  Generator gen(8);
  const auto x = normal<double>({rows, in}, 0, 1, gen), w = normal<double>({out, in}, 0, 1, gen);
  const auto b = normal<double>({out}, 0, 1, gen), gy = normal<double>({rows, out}, 0, 1, gen);
  const auto start = normal<double>({out}, 0, 1, gen);
  for (int threads : {1, 2})
    for (double beta : {0.0, 1.0, 0.5}) {
      set_num_threads(threads);
      const auto y = linear(x, w, b);
      auto gb = start;
      linear_grad_bias_(gb, gy, beta);
      INFO("threads " << threads << ", beta " << beta);
      for (Index j = 0; j < out; ++j) {
        double sum = beta == 0 ? 0 : beta * start.data()[j];
        for (Index r0 = 0; r0 < rows; r0 += chunk) {
          double part = 0;
          for (Index r = r0; r < std::min(rows, r0 + chunk); ++r) part += gy.data()[r * out + j];
          sum += part;
        }
        CHECK(gb.data()[j] == sum);
        for (Index r = 0; r < rows; r += 37) {
          double yr = b.data()[j];
          for (Index i = 0; i < in; ++i) yr += x.data()[r * in + i] * w.data()[j * in + i];
          CHECK(y.data()[r * out + j] == Approx(yr).epsilon(1e-12));
        }
      }
    }
  set_num_threads(0);
}

TEMPLATE_TEST_CASE("mul_and_grad_bias_ gives the bits of mul_ then linear_grad_bias_, on 1 and 2 threads",
                   "[linalg]", float, double) {
  // 300 rows of 130 columns: five chunks of rows, as above; beta 0 and 1.
  using T = TestType;
  Generator gen(9);
  const auto gy = normal<T>({3, 100, 130}, 0, 1, gen), slope = normal<T>({3, 100, 130}, 0, 1, gen);
  const auto start = normal<T>({130}, 0, 1, gen);
  for (int threads : {1, 2})
    for (T beta : {T(0), T(1)}) {
      set_num_threads(threads);
      Tensor<T> g_ref = gy, gb_ref = start, g = gy, gb = start;
      mul_(g_ref, slope);
      linear_grad_bias_(gb_ref, g_ref, beta);
      mul_and_grad_bias_(g, slope, gb, beta);
      INFO("threads " << threads << ", beta " << beta);
      CHECK(equal(g, g_ref));
      CHECK(equal(gb, gb_ref));
    }
  set_num_threads(0);
  Tensor<T> g = gy, gb = start;
  CHECK_THROWS_AS(mul_and_grad_bias_(g, Tensor<T>::zeros({3, 100, 129}), gb, T(0)), ShapeError);
}

TEST_CASE("float linear with a bias or a residual on oneDNN's matmul matches the definition on any threads",
          "[linalg]") {
  // 2000 rows are tall enough for oneDNN (core/linear_dnnl.cpp) and cut into blocks of 1008
  // and 992 rows: both block plans, each adding the bias and the residual in its epilogue.
  const Index rows = 2000, in = 128;
  Generator gen(9);
  const auto x = normal<float>({rows, in}, 0, 1, gen);
  for (const Index out : {Index(384), Index(128)}) {
    const auto w = normal<float>({out, in}, 0, 1, gen), b = normal<float>({out}, 0, 1, gen);
    const auto residual = normal<float>({rows, out}, 0, 1, gen);
    for (const bool with_bias : {true, false}) {
      const Tensor<float> bias = with_bias ? b : Tensor<float>();
      std::vector<Tensor<float>> runs;
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        runs.push_back(linear(x, w, bias));
        runs.push_back(linear_onto(residual, x, w, bias));
      }
      set_num_threads(0);
      INFO("out " << out << ", bias " << with_bias);
      CHECK(equal(runs[0], runs[2]));  // the same bits on 1 and 2 threads
      CHECK(equal(runs[1], runs[3]));
      for (Index r = 0; r < rows; r += 97)
        for (Index j = 0; j < out; j += 7) {
          double y = with_bias ? b.data()[j] : 0.0;
          for (Index i = 0; i < in; ++i) y += double(x.data()[r * in + i]) * w.data()[j * in + i];
          CHECK(runs[0].data()[r * out + j] == Approx(y).margin(1e-4));
          CHECK(runs[1].data()[r * out + j] == Approx(y + residual.data()[r * out + j]).margin(1e-4));
        }
    }
  }
}
