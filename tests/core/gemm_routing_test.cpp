// core's GEMM (core/detail/gemm.hpp): large float products on oneDNN's sgemm, the rest
// and every double on OpenBLAS, both cut into the same shape-only blocks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/parallel.hpp"

using namespace xgrad::core;
using xgrad::core::detail::gemm_in_blocks;

namespace {

struct Threads {  // restores the default thread count when a test ends
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(0); }
};

// C = alpha op(A) op(B) + beta C on row-major buffers whose leading dimensions may be
// wider than the matrices (the padding must be neither read nor written).
template <class T>
struct Problem {
  bool ta, tb;
  Index m, n, k, pad;
  T alpha, beta;
  std::vector<T> a, b, c;
  Index lda() const { return (ta ? m : k) + pad; }
  Index ldb() const { return (tb ? k : n) + pad; }
  Index ldc() const { return n + pad; }

  Problem(bool ta_, bool tb_, Index m_, Index n_, Index k_, Index pad_ = 0, T alpha_ = T(1), T beta_ = T(0))
      : ta(ta_), tb(tb_), m(m_), n(n_), k(k_), pad(pad_), alpha(alpha_), beta(beta_) {
    std::mt19937 gen(static_cast<unsigned>(m * 131 + n * 17 + k + ta * 2 + tb));
    std::uniform_real_distribution<double> u(-1, 1);
    const auto fill = [&](std::vector<T>& v, Index size) {
      v.resize(static_cast<std::size_t>(size));
      for (T& x : v) x = static_cast<T>(u(gen));
    };
    fill(a, (ta ? k : m) * lda());
    fill(b, (tb ? n : k) * ldb());
    fill(c, m * ldc());
  }
  T at_a(Index i, Index p) const { return ta ? a[p * lda() + i] : a[i * lda() + p]; }
  T at_b(Index p, Index j) const { return tb ? b[j * ldb() + p] : b[p * ldb() + j]; }

  template <class Kernel>
  std::vector<T> run(Kernel&& kernel, Index max_blocks) const {
    std::vector<T> out = c;
    gemm_in_blocks(kernel, ta, tb, m, n, k, alpha, a.data(), lda(), b.data(), ldb(), beta, out.data(), ldc(),
                   max_blocks);
    return out;
  }
  std::vector<T> run_gemm() const {
    std::vector<T> out = c;
    detail::gemm(ta, tb, m, n, k, alpha, a.data(), lda(), b.data(), ldb(), beta, out.data(), ldc());
    return out;
  }

  // Every element against the definition summed in double; the padding is untouched.
  void check_against_reference(const std::vector<T>& got) const {
    for (Index i = 0; i < m; ++i)
      for (Index j = 0; j < ldc(); ++j) {
        const T before = c[i * ldc() + j], value = got[i * ldc() + j];
        if (j >= n) {
          REQUIRE(std::memcmp(&value, &before, sizeof(T)) == 0);
          continue;
        }
        double sum = 0, scale = 0;
        for (Index p = 0; p < k; ++p) {
          sum += static_cast<double>(at_a(i, p)) * static_cast<double>(at_b(p, j));
          scale += std::abs(static_cast<double>(at_a(i, p)) * static_cast<double>(at_b(p, j)));
        }
        const double want = static_cast<double>(alpha) * sum + static_cast<double>(beta) * before;
        const double tol = 4 * std::numeric_limits<T>::epsilon() * (std::abs(static_cast<double>(alpha)) * scale +
                                                                    std::abs(static_cast<double>(beta * before)) + 1);
        INFO("element (" << i << ", " << j << ") of a " << m << "x" << n << "x" << k << " product");
        REQUIRE(std::abs(static_cast<double>(value) - want) <= tol);
      }
  }
};

bool same_bits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

const auto openblas_f = detail::blas_gemm<float>;
const auto onednn_f = detail::onednn_sgemm;

}  // namespace

TEST_CASE("float products with both output sides of 64 or more and enough work run on oneDNN", "[gemm]") {
  CHECK(detail::runs_on_onednn(128, 784, 400));  // the MLP VAE's input gradient into 784
  CHECK(detail::runs_on_onednn(400, 784, 128));  // a weight gradient (A transposed)
  CHECK(detail::runs_on_onednn(2048, 512, 128));  // a Transformer's feed-forward, forward
  CHECK(detail::runs_on_onednn(128, 512, 784));   // a Linear's forward on a batch of 128 (B transposed, wide)
  CHECK(detail::runs_on_onednn(128, 400, 20));   // little depth, but wide enough and 1M multiply-adds
  CHECK_FALSE(detail::runs_on_onednn(128, 40, 400));  // the VAE's thin heads: OpenBLAS was faster
  CHECK_FALSE(detail::runs_on_onednn(40, 400, 128));
  CHECK_FALSE(detail::runs_on_onednn(64, 64, 64));  // one serial call's worth of work
  CHECK_FALSE(detail::runs_on_onednn(256, 256, 0));
}

TEST_CASE("both gemm kernels match the double definition for every transpose, padded or not", "[gemm]") {
  Threads threads(2);
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const Index pad : {Index(0), Index(3)}) {
        // one call (7x5x3) and a product cut into row blocks (200x96x70) and column blocks (70x200x96)
        for (const auto& [m, n, k] : {std::array<Index, 3>{7, 5, 3}, {200, 96, 70}, {70, 200, 96}}) {
          INFO("ta " << ta << " tb " << tb << " pad " << pad);
          const Problem<float> p(ta, tb, m, n, k, pad, 0.75f, -0.5f);
          p.check_against_reference(p.run(openblas_f, detail::kOpenblasMaxBlocks));
          p.check_against_reference(p.run(onednn_f, detail::onednn_max_blocks(p.m, p.n)));
          p.check_against_reference(p.run(onednn_f, 8));
          const Problem<double> d(ta, tb, m, n, k, pad, 0.75, -0.5);
          d.check_against_reference(d.run(detail::blas_gemm<double>, detail::kOpenblasMaxBlocks));
        }
      }
}

TEST_CASE("oneDNN's gemm with beta 0 overwrites an output full of NaN", "[gemm]") {
  Problem<float> p(false, true, 128, 128, 64);
  std::fill(p.c.begin(), p.c.end(), std::numeric_limits<float>::quiet_NaN());
  const auto got = p.run(onednn_f, detail::onednn_max_blocks(p.m, p.n));
  p.c.assign(p.c.size(), 0.f);  // what beta 0 means, for the reference
  p.check_against_reference(got);
}

TEST_CASE("gemm takes oneDNN for large floats and OpenBLAS for thin floats and all doubles", "[gemm]") {
  Threads threads(2);
  const auto oneblas = [](const Problem<float>& p) { return p.run(openblas_f, detail::kOpenblasMaxBlocks); };
  const Problem<float> large(false, true, 256, 192, 1500, 1);
  REQUIRE(detail::runs_on_onednn(256, 192, 1500));
  const auto by_onednn = large.run(onednn_f, detail::onednn_max_blocks(256, 192)), by_openblas = oneblas(large);
  REQUIRE_FALSE(same_bits(by_onednn, by_openblas));  // else the checks below could not tell the kernels apart
  CHECK(same_bits(large.run_gemm(), by_onednn));

  const Problem<float> thin(true, false, 300, 40, 200);
  REQUIRE_FALSE(detail::runs_on_onednn(300, 40, 200));
  CHECK(same_bits(thin.run_gemm(), oneblas(thin)));

  const Problem<double> doubles(false, true, 256, 192, 160, 1);
  const auto got = doubles.run_gemm(), want = doubles.run(detail::blas_gemm<double>, detail::kOpenblasMaxBlocks);
  CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(double)) == 0);
}

TEST_CASE("a Linear's forward on a batch of 128 runs on oneDNN in two column blocks", "[gemm]") {
  Threads threads(2);
  const Problem<float> wide(false, true, 128, 512, 784);  // the hvae's first layer
  REQUIRE(detail::runs_on_onednn(128, 512, 784));
  const auto two = wide.run(onednn_f, 2);
  REQUIRE_FALSE(same_bits(wide.run(onednn_f, 8), two));  // else the block count could not be seen
  REQUIRE_FALSE(same_bits(wide.run(openblas_f, 2), two));
  CHECK(same_bits(wide.run_gemm(), two));
}

TEST_CASE("oneDNN's block count grows with the long side, in pairs, from 2 to 8", "[gemm]") {
  CHECK(detail::onednn_max_blocks(128, 512) == 2);
  CHECK(detail::onednn_max_blocks(2048, 512) == 2);  // the Transformer VAE's products: 2 blocks of 1024 rows
  CHECK(detail::onednn_max_blocks(4096, 128) == 4);
  CHECK(detail::onednn_max_blocks(128, 6143) == 4);
  CHECK(detail::onednn_max_blocks(8192, 8192) == 8);
  CHECK(detail::onednn_max_blocks(65536, 64) == 8);
  Threads threads(2);
  const Problem<float> wide(false, true, 64, 4096, 784);  // 4 column blocks of 1024
  REQUIRE(detail::runs_on_onednn(64, 4096, 784));
  const auto four = wide.run(onednn_f, 4);
  REQUIRE_FALSE(same_bits(wide.run(onednn_f, 2), four));  // else the block count could not be seen
  CHECK(same_bits(wide.run_gemm(), four));
}

TEST_CASE("gemm gives the same bits on 1 and 2 threads on both paths", "[gemm]") {
  // routed to oneDNN: row blocks, column blocks, transposed, a transposed B wider than
  // tall; kept on OpenBLAS: a thin output
  for (const auto& [ta, tb, m, n, k] : {std::array<Index, 5>{0, 0, 512, 256, 128}, {1, 0, 128, 784, 400},
                                        {0, 1, 2048, 128, 128}, {1, 1, 300, 200, 100}, {0, 1, 128, 40, 400},
                                        {0, 1, 128, 512, 512}}) {
    INFO(m << "x" << n << "x" << k << " ta " << ta << " tb " << tb);
    const Problem<float> p(ta != 0, tb != 0, m, n, k, 2, 1.f, 0.5f);
    std::vector<float> one, two;
    {
      Threads threads(1);
      one = p.run_gemm();
    }
    {
      Threads threads(2);
      two = p.run_gemm();
    }
    CHECK(same_bits(one, two));
  }
}

TEST_CASE("a weight gradient's long sum runs in two halves: exact, the same bits on 1 and 2 threads", "[gemm]") {
  CHECK(detail::sums_in_halves(512, 128, 2048));  // a Transformer's feed-forward weight, batch 32 x 64
  CHECK(detail::sums_in_halves(128, 128, 2048));
  CHECK_FALSE(detail::sums_in_halves(400, 784, 128));  // the MLP VAE's: the batch is shorter than the sides
  CHECK_FALSE(detail::sums_in_halves(16, 16, 256));    // too little work for two tasks
  for (const bool odd : {false, true}) {
    // k odd: the halves differ by a row; beta 1 adds onto a gradient already there.
    Problem<float> p(true, false, 96, 80, odd ? 1601 : 1600, 2, 1.f, 1.f);
    REQUIRE(detail::sums_in_halves(p.m, p.n, p.k));
    const auto run = [&](int threads) {
      Threads t(threads);
      std::vector<float> out = p.c, scratch(static_cast<std::size_t>(p.m * p.n));
      detail::gemm_summed_halves(p.m, p.n, p.k, p.alpha, p.a.data(), p.lda(), p.b.data(), p.ldb(), p.beta, out.data(),
                                 p.ldc(), scratch.data());
      return out;
    };
    const auto two = run(2);
    p.check_against_reference(two);
    CHECK(same_bits(run(1), two));
    const Problem<double> d(true, false, 48, 40, odd ? 961 : 960, 1, 0.5, 1.0);
    REQUIRE(detail::sums_in_halves(d.m, d.n, d.k));
    std::vector<double> out = d.c, scratch(static_cast<std::size_t>(d.m * d.n));
    detail::gemm_summed_halves(d.m, d.n, d.k, d.alpha, d.a.data(), d.lda(), d.b.data(), d.ldb(), d.beta, out.data(),
                               d.ldc(), scratch.data());
    d.check_against_reference(out);
  }
}
