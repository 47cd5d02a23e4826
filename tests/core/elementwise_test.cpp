// Broadcasting binary ops, comparisons, where, broadcast_to / sum_to and the
// in-place ops, against PyTorch (tests/fixtures/core_elementwise.py).
#include <catch2/catch.hpp>

#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "kernel_check.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"

using namespace xgrad::core;
using xgrad::test::check_close;
using xgrad::test::random_tensor;
using xgrad::test::same_bits;

namespace {

template <class T>
Tensor<T> ref(const std::string& name) {
  return xgrad::test::fixture<T>("core_elementwise.json", name);
}

template <class T>
using BinaryFn = std::function<Tensor<T>(const Tensor<T>&, const Tensor<T>&)>;

template <class T>
std::vector<std::pair<std::string, BinaryFn<T>>> binary_ops() {
  return {
      {"add", [](auto& a, auto& b) { return add(a, b); }},
      {"sub", [](auto& a, auto& b) { return sub(a, b); }},
      {"mul", [](auto& a, auto& b) { return mul(a, b); }},
      {"maximum", [](auto& a, auto& b) { return maximum(a, b); }},
      {"minimum", [](auto& a, auto& b) { return minimum(a, b); }},
      {"eq", [](auto& a, auto& b) { return eq(a, b); }},
      {"ne", [](auto& a, auto& b) { return ne(a, b); }},
      {"lt", [](auto& a, auto& b) { return lt(a, b); }},
      {"le", [](auto& a, auto& b) { return le(a, b); }},
      {"gt", [](auto& a, auto& b) { return gt(a, b); }},
      {"ge", [](auto& a, auto& b) { return ge(a, b); }},
  };
}

/// out[i] = f(a[ia], b[ib]) by explicit NumPy index arithmetic: the slow, obvious reference.
template <class T, class F>
Tensor<T> naive_broadcast(const Tensor<T>& a, const Tensor<T>& b, F f) {
  const Shape s = broadcast_shapes(a.shape(), b.shape(), "naive");
  Tensor<T> out(s);
  const int r = s.rank();
  for (Index flat = 0; flat < out.numel(); ++flat) {
    Index rem = flat, ia = 0, ib = 0, sa = 1, sb = 1;
    for (int d = r - 1; d >= 0; --d) {
      const Index i = rem % s[d];
      rem /= s[d];
      const int da = d - (r - a.dim()), db = d - (r - b.dim());
      if (da >= 0) {
        if (a.shape()[da] != 1) ia += i * sa;
        sa *= a.shape()[da];
      }
      if (db >= 0) {
        if (b.shape()[db] != 1) ib += i * sb;
        sb *= b.shape()[db];
      }
    }
    out.data()[flat] = f(a.data()[ia], b.data()[ib]);
  }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("binary ops match PyTorch for every broadcasting case", "[elementwise]", float, double) {
  using T = TestType;
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"same", "a23", "a23b"},   {"a314_b151", "a314", "b151"}, {"a23_b3", "a23", "b3"},
      {"b3_a23", "b3", "a23"},   {"a23_s", "a23", "s"},         {"s_a23", "s", "a23"},
  };
  for (const auto& [name, fn] : binary_ops<T>()) {
    for (const auto& [c, ia, ib] : cases) {
      SECTION(name + "/" + c) { check_close(fn(ref<T>("in/" + ia), ref<T>("in/" + ib)), ref<T>(name + "/" + c)); }
    }
  }
}

TEMPLATE_TEST_CASE("div and pow broadcast like PyTorch", "[elementwise]", float, double) {
  using T = TestType;
  check_close(div(ref<T>("in/a314"), ref<T>("in/b151")), ref<T>("div/a314_b151"));
  check_close(div(ref<T>("in/a23"), ref<T>("in/b3p10")), ref<T>("div/a23_b3"));
  check_close(pow(ref<T>("in/p314"), ref<T>("in/b151")), ref<T>("pow/p314_b151"));
  check_close(pow(ref<T>("in/p314"), ref<T>("in/s")), ref<T>("pow/p314_s"));
}

TEST_CASE("operators call the ops", "[elementwise]") {
  const Tensor<float> a(Shape{2}, {1, 4}), b(Shape{2}, {2, 8});
  CHECK((a + b).to_vector() == std::vector<float>{3, 12});
  CHECK((a - b).to_vector() == std::vector<float>{-1, -4});
  CHECK((a * b).to_vector() == std::vector<float>{2, 32});
  CHECK((a / b).to_vector() == std::vector<float>{0.5, 0.5});
  CHECK((-a).to_vector() == std::vector<float>{-1, -4});
  CHECK((a + 1.f).to_vector() == std::vector<float>{2, 5});
  CHECK((1.f - a).to_vector() == std::vector<float>{0, -3});
  CHECK((2.f * a).to_vector() == std::vector<float>{2, 8});
  CHECK((4.f / a).to_vector() == std::vector<float>{4, 1});
  CHECK((a / 2.f).to_vector() == std::vector<float>{0.5, 2});
}

TEST_CASE("broadcasting matches index arithmetic for many shape pairs, ranks up to 8", "[elementwise][broadcast]") {
  // Large enough that the parallel loop cuts rows in the middle, odd enough for SIMD tails.
  const std::vector<std::pair<Shape, Shape>> pairs = {
      {{1000, 300}, {300}},             // bias add: rows
      {{1000, 300}, {1000, 1}},         // per-row scale: Splat inner
      {{37, 1, 129}, {1, 41, 1}},       // outer product-like
      {{7, 1, 13, 1, 5}, {3, 1, 11, 5}},
      {{2, 1, 2, 1, 2, 1, 2, 3}, {1, 3, 1, 2, 1, 2, 1, 1}},  // rank 8
      {{}, {5, 7}},
      {{1, 1}, {100001}},
      {{65537}, {65537}},
  };
  unsigned seed = 1;
  for (const auto& [sa, sb] : pairs) {
    const auto a = random_tensor<float>(sa, seed++), b = random_tensor<float>(sb, seed++);
    INFO("shapes " << sa.str() << " and " << sb.str());
    CHECK(same_bits(add(a, b), naive_broadcast(a, b, [](float x, float y) { return x + y; })));
    CHECK(same_bits(mul(b, a), naive_broadcast(b, a, [](float x, float y) { return x * y; })));
    CHECK(same_bits(sub(a, b), naive_broadcast(a, b, [](float x, float y) { return x - y; })));
  }
}

TEST_CASE("element-wise results do not depend on the thread count", "[elementwise][determinism]") {
  const auto a = random_tensor<float>({300, 1001}, 7, -5, 5), b = random_tensor<float>({1001}, 8);
  set_num_threads(1);
  const auto e1 = exp(a), s1 = add(a, b), t1 = tanh(a);
  set_num_threads(2);
  const auto e2 = exp(a), s2 = add(a, b), t2 = tanh(a);
  set_num_threads(0);
  CHECK(same_bits(e1, e2));
  CHECK(same_bits(s1, s2));
  CHECK(same_bits(t1, t2));
}

TEST_CASE("shapes that do not broadcast throw a ShapeError naming the op and both shapes", "[elementwise][errors]") {
  const auto a = Tensor<float>::zeros({2, 3}), b = Tensor<float>::zeros({4});
  CHECK_THROWS_AS(add(a, b), ShapeError);
  CHECK_THROWS_WITH(add(a, b), "add: shapes (2, 3) and (4) cannot be broadcast together");
  CHECK_THROWS_WITH(mul(a, b), "mul: shapes (2, 3) and (4) cannot be broadcast together");
  CHECK_THROWS_WITH(ge(a, b), "ge: shapes (2, 3) and (4) cannot be broadcast together");
  CHECK_THROWS_WITH(where(a, a, b), "where: shapes (2, 3) and (4) cannot be broadcast together");
  CHECK_THROWS_WITH(add(a, Tensor<float>()), "add: the input tensor is undefined");
}

TEST_CASE("empty tensors broadcast to empty results", "[elementwise]") {
  const auto a = Tensor<float>::zeros({0, 3}), b = Tensor<float>::ones({3});
  CHECK(add(a, b).shape() == Shape{0, 3});
  CHECK(exp(a).numel() == 0);
}

TEST_CASE("comparisons and maximum / minimum treat NaN like PyTorch", "[elementwise]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor<float> a(Shape{3}, {nan, 1, nan}), b(Shape{3}, {nan, nan, 2});
  CHECK(eq(a, b).to_vector() == std::vector<float>{0, 0, 0});
  CHECK(ne(a, b).to_vector() == std::vector<float>{1, 1, 1});
  CHECK(lt(a, b).to_vector() == std::vector<float>{0, 0, 0});
  CHECK(ge(a, b).to_vector() == std::vector<float>{0, 0, 0});
  for (const auto& m : {maximum(a, b), minimum(a, b), maximum(b, a), minimum(b, a)})
    for (float v : m) CHECK(std::isnan(v));
}

TEMPLATE_TEST_CASE("comparisons with a scalar give 0/1 masks", "[elementwise]", float, double) {
  using T = TestType;
  check_close(gt(ref<T>("in/x"), T(0.5)), ref<T>("gt_scalar"));
  check_close(lt(ref<T>("in/x"), T(0.5)), ref<T>("lt_scalar"));
}

TEMPLATE_TEST_CASE("where broadcasts the condition and both branches", "[elementwise]", float, double) {
  using T = TestType;
  check_close(where(ref<T>("in/cond31"), ref<T>("in/a14"), ref<T>("in/s")), ref<T>("where/cond31_a14_s"));
  check_close(where(ref<T>("in/cond23"), ref<T>("in/a23"), ref<T>("in/a23b")), ref<T>("where/same"));
}

TEST_CASE("where counts any nonzero condition, NaN included, as true", "[elementwise]") {
  const Tensor<float> c(Shape{4}, {0, -2, std::numeric_limits<float>::quiet_NaN(), 0.5});
  CHECK(where(c, Tensor<float>::ones({4}), Tensor<float>::zeros({1})).to_vector() == std::vector<float>{0, 1, 1, 1});
}

TEMPLATE_TEST_CASE("broadcast_to materialises a broadcast", "[elementwise][broadcast]", float, double) {
  using T = TestType;
  check_close(broadcast_to(ref<T>("in/b3"), {2, 3}), ref<T>("broadcast_to/b3_23"));
  check_close(broadcast_to(ref<T>("in/a314"), {2, 3, 5, 4}), ref<T>("broadcast_to/a314_2354"));
  CHECK(equal(broadcast_to(ref<T>("in/a23"), {2, 3}), ref<T>("in/a23")));
  CHECK_THROWS_WITH(broadcast_to(ref<T>("in/b3"), {2, 4}), "broadcast_to: cannot broadcast (3) to (2, 4)");
  CHECK_THROWS_WITH(broadcast_to(ref<T>("in/a23"), {3}), "broadcast_to: cannot broadcast (2, 3) to (3)");
}

TEMPLATE_TEST_CASE("sum_to sums over the broadcast axes", "[elementwise][broadcast]", float, double) {
  using T = TestType;
  const auto x = ref<T>("in/x2354");
  for (const auto& [name, shape] : std::vector<std::pair<std::string, Shape>>{
           {"3x1x4", {3, 1, 4}},
           {"4", {4}},
           {"5x1", {5, 1}},
           {"", {}},
           {"1x1x1x1", {1, 1, 1, 1}},
           {"2x1x5x1", {2, 1, 5, 1}},
           {"3x5x4", {3, 5, 4}}}) {
    SECTION("to (" + name + ")") { check_close(sum_to(x, shape), ref<T>("sum_to/" + name)); }
  }
  CHECK(equal(sum_to(x, x.shape()), x));
  CHECK_THROWS_WITH(sum_to(x, {3, 4}), "sum_to: shape (3, 4) does not broadcast to (2, 3, 5, 4)");
}

TEST_CASE("sum_to undoes broadcast_to", "[elementwise][broadcast]") {
  const auto b = random_tensor<double>({1, 7, 1}, 3);
  const auto wide = broadcast_to(b, {4, 3, 7, 5});
  check_close(sum_to(wide, b.shape()), mul(b, 60.0));
}

TEMPLATE_TEST_CASE("add_ accumulates in place, broadcasting the right side", "[elementwise][inplace]", float, double) {
  using T = TestType;
  auto a = random_tensor<T>({64, 33}, 11);
  const auto b = random_tensor<T>({33}, 12), same = random_tensor<T>({64, 33}, 13);
  const auto before = a;
  const T* storage = a.data();
  add_(a, b);
  CHECK(a.data() == storage);
  CHECK(equal(a, add(before, b)));
  add_(a, same);
  CHECK(equal(a, add(add(before, b), same)));
  auto c = before;
  add_(c, c);  // the right side may be the left side
  CHECK(equal(c, mul(before, T(2))));
  CHECK_THROWS_WITH(add_(a, random_tensor<T>({2, 64, 33}, 1)), "add_: cannot broadcast (2, 64, 33) into (64, 33)");
  CHECK_THROWS_WITH(add_(a, random_tensor<T>({64, 3}, 1)), "add_: cannot broadcast (64, 3) into (64, 33)");
}

TEMPLATE_TEST_CASE("axpy_, mul_ and lerp_ update in place", "[elementwise][inplace]", float, double) {
  using T = TestType;
  const auto a0 = random_tensor<T>({5, 7}, 21), b = random_tensor<T>({5, 7}, 22);
  auto a = a0;
  axpy_(a, T(0.5), b);
  check_close(a, add(a0, mul(b, T(0.5))));
  a = a0;
  mul_(a, T(-3));
  CHECK(equal(a, mul(a0, T(-3))));
  a = a0;
  lerp_(a, T(0.9), b, T(0.1));
  check_close(a, add(mul(a0, T(0.9)), mul(b, T(0.1))));
  CHECK_THROWS_WITH(axpy_(a, T(1), random_tensor<T>({7, 5}, 1)), "axpy_: shapes (5, 7) and (7, 5) differ");
  CHECK_THROWS_WITH(lerp_(a, T(1), random_tensor<T>({35}, 1), T(1)), "lerp_: shapes (5, 7) and (35) differ");
}
