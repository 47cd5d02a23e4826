// Reductions against PyTorch (tests/fixtures/core_reduce.py), the layouts the
// kernel picks (rows, columns, permuted) at sizes that cross its block sizes, and
// the edge cases: zero elements, infinities, NaN, rank 0, bad axes.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "kernel_check.hpp"
#include "xgrad/core/reduce.hpp"

using namespace xgrad::core;
using xgrad::test::check_close;
using xgrad::test::random_tensor;

namespace {

template <class T>
Tensor<T> ref(const std::string& name) {
  return xgrad::test::fixture<T>("core_reduce.json", name);
}

struct AxesCase {
  std::string input, tag;
  Axes axes;
};

const std::vector<AxesCase>& axes_cases() {
  static const std::vector<AxesCase> cases = {
      {"x345", "0", {0}},         {"x345", "1", {1}},         {"x345", "2", {2}},
      {"x345", "-1", {-1}},       {"x345", "0_2", {0, 2}},    {"x345", "0_1", {0, 1}},
      {"x345", "1_2", {1, 2}},    {"x345", "all", {}},        {"x2345", "1_3", {1, 3}},
      {"x2345", "0_2", {0, 2}},   {"x2345", "0_1_3", {0, 1, 3}}, {"x2345", "0_3", {0, 3}},
      {"x2345", "all", {}},       {"x3x40", "1", {1}},        {"x3x40", "0", {0}},
      {"x3x40", "all", {}},       {"x7x33", "0", {0}},        {"x7x33", "1", {1}},
      {"ties", "0", {0}},         {"ties", "1", {1}},
  };
  return cases;
}

template <class T>
using ReduceFn = std::function<Tensor<T>(const Tensor<T>&, const Axes&, bool)>;

template <class T>
std::vector<std::pair<std::string, ReduceFn<T>>> reductions() {
  return {
      {"sum", [](auto& x, auto& a, bool k) { return sum(x, a, k); }},
      {"mean", [](auto& x, auto& a, bool k) { return mean(x, a, k); }},
      {"var", [](auto& x, auto& a, bool k) { return var(x, a, k); }},
      {"var0", [](auto& x, auto& a, bool k) { return var(x, a, k, 0); }},
      {"max", [](auto& x, auto& a, bool k) { return max(x, a, k); }},
      {"min", [](auto& x, auto& a, bool k) { return min(x, a, k); }},
      {"logsumexp", [](auto& x, auto& a, bool k) { return logsumexp(x, a, k); }},
  };
}

/// Reference reduction in long double over axis 1 of a (K1, R, K2) array.
template <class T, class F>
std::vector<long double> reference_middle(const Tensor<T>& x, Index K1, Index R, Index K2, F f) {
  std::vector<long double> out(static_cast<std::size_t>(K1 * K2));
  for (Index a = 0; a < K1; ++a)
    for (Index c = 0; c < K2; ++c) {
      std::vector<long double> col(static_cast<std::size_t>(R));
      for (Index r = 0; r < R; ++r) col[static_cast<std::size_t>(r)] = x.data()[(a * R + r) * K2 + c];
      out[static_cast<std::size_t>(a * K2 + c)] = f(col);
    }
  return out;
}

long double ref_sum(const std::vector<long double>& v) {
  long double s = 0;
  for (auto e : v) s += e;
  return s;
}
long double ref_var(const std::vector<long double>& v) {
  const long double m = ref_sum(v) / static_cast<long double>(v.size());
  long double s = 0;
  for (auto e : v) s += (e - m) * (e - m);
  return s / static_cast<long double>(v.size() - 1);
}
long double ref_lse(const std::vector<long double>& v) {
  long double m = -INFINITY, s = 0;
  for (auto e : v) m = std::max(m, e);
  for (auto e : v) s += std::exp(e - m);
  return std::log(s) + m;
}
long double ref_max(const std::vector<long double>& v) {
  long double m = -INFINITY;
  for (auto e : v) m = std::max(m, e);
  return m;
}

template <class T>
void check_against(const Tensor<T>& got, const std::vector<long double>& want, double rtol) {
  REQUIRE(got.numel() == static_cast<Index>(want.size()));
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(got.data()[i]) == Approx(static_cast<double>(want[i])).epsilon(rtol).margin(rtol));
  }
}

}  // namespace

TEMPLATE_TEST_CASE("reductions match PyTorch over every axes case, keepdim or not", "[reduce]", float, double) {
  using T = TestType;
  for (const auto& c : axes_cases()) {
    const auto x = ref<T>("in/" + c.input);
    for (const auto& [name, fn] : reductions<T>()) {
      for (bool keepdim : {false, true}) {
        const std::string key = name + "/" + c.input + "/" + c.tag + "/" + std::to_string(int(keepdim));
        SECTION(key) { check_close(fn(x, c.axes, keepdim), ref<T>(key)); }
      }
    }
  }
}

TEMPLATE_TEST_CASE("argmax and argmin return the first extreme along an axis", "[reduce]", float, double) {
  using T = TestType;
  for (const auto& c : axes_cases()) {
    if (c.axes.size() != 1) continue;
    const auto x = ref<T>("in/" + c.input);
    for (bool keepdim : {false, true}) {
      const std::string key = c.input + "/" + c.tag + "/" + std::to_string(int(keepdim));
      SECTION(key) {
        CHECK(equal(argmax(x, c.axes[0], keepdim), ref<double>("argmax/" + key).to<Index>()));
        CHECK(equal(argmin(x, c.axes[0], keepdim), ref<double>("argmin/" + key).to<Index>()));
      }
    }
  }
}

TEST_CASE("argmax treats NaN as the maximum, like torch", "[reduce]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor<float> x(Shape{2, 4}, {1, nan, 5, nan, 3, 2, 1, 0});
  CHECK(argmax(x, 1).to_vector() == std::vector<Index>{1, 0});
  CHECK(argmin(x, 1).to_vector() == std::vector<Index>{1, 3});
  CHECK(std::isnan(max(x, {1}).at({0})));
  CHECK(std::isnan(min(x).item()));
  CHECK(max(x, {1}).at({1}) == 3);
  auto long_row = random_tensor<float>({2, 1000}, 3);
  long_row.at({1, 777}) = nan;
  CHECK(std::isnan(max(long_row, {1}).at({1})));
  CHECK(std::isnan(min(long_row, {0}).at({777})));
  CHECK_FALSE(std::isnan(max(long_row, {1}).at({0})));
}

TEMPLATE_TEST_CASE("long rows, long columns and permuted layouts agree with a long double reference", "[reduce]",
                   float, double) {
  using T = TestType;
  const double rtol = std::is_same_v<T, float> ? 2e-6 : 1e-13;
  // (K1, R, K2) shapes around the kernel's block sizes (8192-element row blocks,
  // 512-row column blocks, 16-lane batches with scalar tail columns).
  struct Case {
    Index k1, r, k2;
  };
  for (const Case c : {Case{3, 20001, 1}, Case{1, 8192, 1}, Case{2, 8193, 1}, Case{1, 1300, 20},
                       Case{5, 1025, 17}, Case{2, 600, 100}, Case{2, 3, 4099}, Case{1, 100000, 3}}) {
    SECTION(std::to_string(c.k1) + "x" + std::to_string(c.r) + "x" + std::to_string(c.k2)) {
      const auto x = random_tensor<T>({c.k1, c.r, c.k2}, 42, -3, 5);
      check_against(sum(x, {1}), reference_middle(x, c.k1, c.r, c.k2, ref_sum), rtol);
      check_against(var(x, {1}), reference_middle(x, c.k1, c.r, c.k2, ref_var), rtol);
      check_against(logsumexp(x, {1}), reference_middle(x, c.k1, c.r, c.k2, ref_lse), rtol);
      check_against(max(x, {1}), reference_middle(x, c.k1, c.r, c.k2, ref_max), 0);
      // Kept axes on both sides of a reduced one, reduced axes on both sides of
      // a kept one: the permuted path (when k1 and k2 are above 1).
      const auto y = random_tensor<T>({c.k1, c.r, c.k2, 2}, 43, -3, 5);
      std::vector<long double> want_sum(static_cast<std::size_t>(c.r * 2), 0.0L), want_max(want_sum.size(), -INFINITY);
      for (Index a = 0; a < c.k1; ++a)
        for (Index r = 0; r < c.r; ++r)
          for (Index k = 0; k < c.k2; ++k)
            for (Index j = 0; j < 2; ++j) {
              const long double v = y.data()[((a * c.r + r) * c.k2 + k) * 2 + j];
              want_sum[static_cast<std::size_t>(r * 2 + j)] += v;
              want_max[static_cast<std::size_t>(r * 2 + j)] = std::max(want_max[static_cast<std::size_t>(r * 2 + j)], v);
            }
      check_against(sum(y, {0, 2}), want_sum, rtol);
      check_against(max(y, {2, 0}, true), want_max, 0);
      CHECK(max(y, {2, 0}, true).shape() == Shape{1, c.r, 1, 2});
    }
  }
}

TEMPLATE_TEST_CASE("summation stays accurate over a million elements", "[reduce]", float, double) {
  using T = TestType;
  // Values around 1 with a large count: a naive float loop would lose ~3 digits.
  const auto x = random_tensor<T>({1 << 20}, 9, 0.5, 1.5);
  long double want = 0;
  for (T v : x) want += v;
  CHECK(static_cast<double>(sum(x).item()) == Approx(static_cast<double>(want)).epsilon(1e-6));
  // Variance of data far from zero: the two-pass formula keeps it.
  const auto shifted = random_tensor<T>({100000}, 10, 1e4 - 1, 1e4 + 1);
  const std::vector<long double> v(shifted.begin(), shifted.end());
  CHECK(static_cast<double>(var(shifted).item()) ==
        Approx(static_cast<double>(ref_var(v))).epsilon(std::is_same_v<T, float> ? 1e-4 : 1e-9));
}

TEMPLATE_TEST_CASE("logsumexp is stable for large and infinite inputs", "[reduce][stability]", float, double) {
  using T = TestType;
  const T inf = std::numeric_limits<T>::infinity();
  CHECK(logsumexp(Tensor<T>(Shape{2}, {T(1000), T(1000)})).item() == Approx(1000 + std::log(2.0)));
  CHECK(logsumexp(Tensor<T>(Shape{2}, {T(-1000), T(-1000)})).item() == Approx(-1000 + std::log(2.0)));
  const Tensor<T> rows(Shape{3, 2}, {-inf, -inf, T(0), -inf, inf, T(1)});
  const auto r = logsumexp(rows, {1});
  CHECK(r.at({0}) == -inf);  // all -inf: -inf, not NaN
  CHECK(r.at({1}) == T(0));
  CHECK(r.at({2}) == inf);
  // The same through the SIMD row and column loops (rows longer than a batch).
  auto long_rows = Tensor<T>::full({3, 37}, -inf);
  long_rows.at({1, 30}) = T(2);
  long_rows.at({2, 36}) = inf;
  const auto lr = logsumexp(long_rows, {1});
  CHECK(lr.at({0}) == -inf);
  CHECK(lr.at({1}) == T(2));
  CHECK(lr.at({2}) == inf);
  const auto lc = logsumexp(long_rows.reshape({3, 37, 1}), {0});
  CHECK(lc.at({0, 0}) == -inf);
  CHECK(lc.at({30, 0}) == T(2));
  CHECK(lc.at({36, 0}) == inf);
}

TEMPLATE_TEST_CASE("reducing over zero elements", "[reduce][errors]", float, double) {
  using T = TestType;
  const auto x = Tensor<T>::zeros({0, 3});
  CHECK(equal(sum(x, {0}), Tensor<T>::zeros({3})));
  CHECK(sum(x).item() == T(0));
  for (T v : mean(x, {0})) CHECK(std::isnan(v));
  for (T v : var(x, {0})) CHECK(std::isnan(v));
  CHECK(logsumexp(x).item() == -std::numeric_limits<T>::infinity());
  CHECK_THROWS_AS(max(x, {0}), ValueError);
  CHECK_THROWS_WITH(max(x, {0}), "max: cannot reduce over zero elements (shape (0, 3))");
  CHECK_THROWS_WITH(min(x), "min: cannot reduce over zero elements (shape (0, 3))");
  CHECK_THROWS_WITH(argmax(x, 0), "argmax: cannot reduce over zero elements (axis 0 of shape (0, 3))");
  // Kept axes of size zero give an empty result, no error.
  CHECK(max(x, {1}).shape() == Shape{0});
  CHECK(argmin(x, 1, true).shape() == Shape{0, 1});
}

TEST_CASE("variance with a correction at or above the count divides by zero", "[reduce]") {
  const Tensor<double> one(Shape{1}, {3.0});
  CHECK(std::isnan(var(one).item()));  // 0 / 0, like torch.var of one element
  CHECK(var(one, {}, false, 0).item() == 0);
}

TEST_CASE("keepdim keeps reduced axes as size 1; all axes reduce to rank 0", "[reduce]") {
  const auto x = random_tensor<float>({2, 3, 4}, 1);
  CHECK(sum(x).shape() == Shape{});
  CHECK(sum(x, {}, true).shape() == Shape{1, 1, 1});
  CHECK(mean(x, {-1, 0}).shape() == Shape{3});
  CHECK(var(x, {1}, true).shape() == Shape{2, 1, 4});
  CHECK(argmax(x, -1, true).shape() == Shape{2, 3, 1});
}

TEST_CASE("rank-0 tensors reduce to themselves", "[reduce]") {
  const auto s = Tensor<double>::scalar(2.5);
  CHECK(sum(s).item() == 2.5);
  CHECK(sum(s, {0}).shape() == Shape{});
  CHECK(mean(s, {0}, true).item() == 2.5);
  CHECK(max(s).item() == 2.5);
  CHECK(logsumexp(s).item() == 2.5);
  CHECK(argmax(s, 0).item() == 0);
}

TEST_CASE("reducing size-1 axes copies", "[reduce]") {
  const auto x = random_tensor<float>({3, 1, 5}, 4);
  CHECK(equal(sum(x, {1}), x.reshape({3, 5})));
  CHECK(equal(max(x, {1}, true), x));
}

TEST_CASE("bad axes throw a ValueError naming the op", "[reduce][errors]") {
  const auto x = Tensor<float>::zeros({2, 3, 4});
  CHECK_THROWS_AS(sum(x, {3}), ValueError);
  CHECK_THROWS_WITH(sum(x, {3}), "sum: axis 3 is out of range for a tensor of rank 3");
  CHECK_THROWS_WITH(var(x, {-4}), "var: axis -4 is out of range for a tensor of rank 3");
  CHECK_THROWS_WITH(logsumexp(x, {1, -2}), "logsumexp: an axis is repeated in the list of axes");
  CHECK_THROWS_WITH(argmin(x, 5), "argmin: axis 5 is out of range for a tensor of rank 3");
  CHECK_THROWS_WITH(mean(Tensor<float>()), "mean: the input tensor is undefined");
}
