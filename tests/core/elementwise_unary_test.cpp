// Unary ops, ops with a scalar and the fused backward kernels, against PyTorch
// (tests/fixtures/core_elementwise.py), plus their behaviour at the extremes.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "kernel_check.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"

using namespace xgrad::core;
using xgrad::test::check_close;
using xgrad::test::random_tensor;

namespace {

template <class T>
Tensor<T> ref(const std::string& name) {
  return xgrad::test::fixture<T>("core_elementwise.json", name);
}

template <class T>
struct UnaryCase {
  std::string name, input;
  std::function<Tensor<T>(const Tensor<T>&)> fn;
};

template <class T>
std::vector<UnaryCase<T>> unary_cases() {
  return {
      {"neg", "x", [](auto& x) { return neg(x); }},
      {"exp", "x", [](auto& x) { return exp(x); }},
      {"log", "xpos", [](auto& x) { return log(x); }},
      {"log1p", "xpos_m05", [](auto& x) { return log1p(x); }},
      {"expm1", "x", [](auto& x) { return expm1(x); }},
      {"sqrt", "xpos", [](auto& x) { return sqrt(x); }},
      {"rsqrt", "xpos", [](auto& x) { return rsqrt(x); }},
      {"abs", "x", [](auto& x) { return abs(x); }},
      {"sign", "x", [](auto& x) { return sign(x); }},
      {"square", "x", [](auto& x) { return square(x); }},
      {"clamp", "x", [](auto& x) { return clamp(x, T(-1), T(2)); }},
      {"tanh", "x", [](auto& x) { return tanh(x); }},
      {"sigmoid", "x", [](auto& x) { return sigmoid(x); }},
      {"relu", "x", [](auto& x) { return relu(x); }},
      {"leaky_relu/0.01", "x", [](auto& x) { return leaky_relu(x); }},
      {"leaky_relu/0.2", "x", [](auto& x) { return leaky_relu(x, T(0.2)); }},
      {"elu/1", "x", [](auto& x) { return elu(x); }},
      {"elu/0.5", "x", [](auto& x) { return elu(x, T(0.5)); }},
      {"softplus", "x", [](auto& x) { return softplus(x); }},
      {"add_scalar", "x", [](auto& x) { return add(x, T(2.5)); }},
      {"sub_scalar", "x", [](auto& x) { return sub(x, T(2.5)); }},
      {"rsub_scalar", "x", [](auto& x) { return rsub(T(2.5), x); }},
      {"mul_scalar", "x", [](auto& x) { return mul(x, T(-1.5)); }},
      {"div_scalar", "x", [](auto& x) { return div(x, T(4)); }},
      {"rdiv_scalar", "xpos", [](auto& x) { return rdiv(T(2), x); }},
  };
}

std::string exponent_name(double e) {
  // Python's str(): 2 for ints, 0.5 / -2.3 for the others.
  if (e == std::floor(e)) return std::to_string(static_cast<long>(e));
  std::ostringstream os;
  os << e;
  return os.str();
}

}  // namespace

TEMPLATE_TEST_CASE("unary and scalar ops match PyTorch", "[elementwise]", float, double) {
  using T = TestType;
  for (const auto& c : unary_cases<T>()) {
    SECTION(c.name) { check_close(c.fn(ref<T>("in/" + c.input)), ref<T>(c.name)); }
  }
}

TEMPLATE_TEST_CASE("pow with a scalar exponent matches PyTorch, special-cased or not", "[elementwise]", float,
                   double) {
  using T = TestType;
  for (double e : {0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.7, -2.3}) {
    SECTION("positive bases ** " + exponent_name(e)) {
      check_close(pow(ref<T>("in/xpos"), T(e)), ref<T>("pow_scalar/xpos/" + exponent_name(e)));
    }
  }
  for (double e : {0.0, 1.0, 2.0, 3.0, -1.0, -2.0}) {
    SECTION("negative bases ** " + exponent_name(e)) {
      check_close(pow(ref<T>("in/xnz"), T(e)), ref<T>("pow_scalar/xnz/" + exponent_name(e)));
    }
  }
}

TEST_CASE("pow follows C at the edges", "[elementwise]") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor<double> x(Shape{4}, {0, 0, nan, -8});
  const Tensor<double> e(Shape{4}, {0, -1, 0, 1.0 / 3});
  const auto r = pow(x, e);
  CHECK(r.at({0}) == 1);    // 0 ** 0
  CHECK(r.at({1}) == inf);  // 0 ** -1
  CHECK(r.at({2}) == 1);    // nan ** 0
  CHECK(std::isnan(r.at({3})));  // negative base, fractional exponent
  CHECK(pow(Tensor<double>(Shape{2}, {1, 1}), Tensor<double>(Shape{2}, {nan, inf})).to_vector() ==
        std::vector<double>{1, 1});
  CHECK(pow(x, 2.7).at({1}) == 0);
  CHECK(pow(Tensor<double>(Shape{1}, {nan}), 0.0).item() == 1);
}

TEMPLATE_TEST_CASE("sigmoid and softplus stay finite and exact for large |x|", "[elementwise][stability]", float,
                   double) {
  using T = TestType;
  const T inf = std::numeric_limits<T>::infinity();
  const Tensor<T> x(Shape{6}, {T(-1000), T(-100), T(-30), T(30), T(100), T(1000)});
  const auto s = sigmoid(x);
  CHECK(s.at({0}) == T(0));
  CHECK(s.at({1}) >= T(0));
  CHECK(s.at({1}) < T(1e-40));
  CHECK(s.at({2}) == Approx(9.357622968840175e-14).epsilon(1e-4));
  CHECK(s.at({3}) == Approx(1.0));
  CHECK(s.at({4}) == T(1));
  CHECK(s.at({5}) == T(1));
  const auto sp = softplus(x);
  CHECK(sp.at({0}) == T(0));
  CHECK(sp.at({1}) >= T(0));
  CHECK(sp.at({1}) < T(1e-40));
  CHECK(sp.at({2}) == Approx(9.357622968840175e-14).epsilon(1e-4));
  CHECK(sp.at({3}) == Approx(30.0));  // 30 + 9.4e-14, which double resolves
  CHECK(sp.at({4}) == T(100));
  CHECK(sp.at({5}) == T(1000));
  const Tensor<T> infs(Shape{2}, {-inf, inf});
  CHECK(sigmoid(infs).to_vector() == std::vector<T>{0, 1});
  CHECK(softplus(infs).to_vector() == std::vector<T>{0, inf});
  CHECK(exp(infs).to_vector() == std::vector<T>{0, inf});
  CHECK(tanh(Tensor<T>(Shape{2}, {T(-100), T(100)})).to_vector() == std::vector<T>{-1, 1});
}

TEMPLATE_TEST_CASE("gelu at the infinities and past where exp(-x^2 / 2) underflows", "[elementwise]", float, double) {
  // As x Phi(x) in the arithmetic: gelu(inf) = inf, gelu(-inf) = -inf * 0 = NaN (as
  // PyTorch's formula), and past |x| ~ 13.2 the value is x or zero; the slope is NaN at the
  // infinities (inf * 0) and 1 or 0 past the underflow.
  using T = TestType;
  constexpr T inf = std::numeric_limits<T>::infinity();
  const Tensor<T> x(Shape{6}, {inf, -inf, T(14), T(-14), T(40), T(-40)});
  const Tensor<T> y = gelu(x);
  CHECK(y.data()[0] == inf);
  CHECK(std::isnan(y.data()[1]));
  CHECK(y.data()[2] == T(14));
  CHECK(std::abs(y.data()[3]) <= T(1e-38));
  CHECK(y.data()[4] == T(40));
  CHECK(y.data()[5] == T(0));
  Tensor<T> v = x;
  const Tensor<T> slope = gelu_and_slope_(v);
  CHECK(std::isnan(slope.data()[0]));
  CHECK(std::isnan(slope.data()[1]));
  CHECK(slope.data()[4] == T(1));
  CHECK(slope.data()[5] == T(0));
  for (Index i = 2; i < 6; ++i) CHECK(v.data()[i] == y.data()[i]);
}

TEST_CASE("activations pass NaN through", "[elementwise]") {
  const Tensor<float> x(Shape{1}, {std::numeric_limits<float>::quiet_NaN()});
  for (const auto& y : {relu(x), clamp(x, -1.f, 1.f), sigmoid(x), softplus(x), tanh(x), leaky_relu(x), elu(x), gelu(x)})
    CHECK(std::isnan(y.item()));
  CHECK(sign(x).item() == 0);  // like torch.sign: (0 < x) - (x < 0)
}

TEST_CASE("clamp with lo above hi gives hi, as torch.clamp does", "[elementwise]") {
  CHECK(clamp(Tensor<float>(Shape{3}, {-5, 0, 5}), 2.f, 1.f).to_vector() == std::vector<float>{1, 1, 1});
}

TEST_CASE("unary ops keep the shape, rank 0 included", "[elementwise]") {
  CHECK(exp(Tensor<float>::scalar(0.f)).shape() == Shape{});
  CHECK(exp(Tensor<float>::scalar(0.f)).item() == 1.f);
  CHECK(sqrt(Tensor<double>::full({2, 1, 3}, 4.0)).shape() == Shape{2, 1, 3});
  CHECK_THROWS_WITH(exp(Tensor<float>()), "exp: the input tensor is undefined");
}

TEST_CASE("long inputs agree with short ones element by element", "[elementwise]") {
  // A long input goes through the parallel loop and many full batches; each
  // element must come out as it does alone in a padded tail batch.
  const auto x = random_tensor<float>({100003}, 5, -20, 20);
  const auto y = sigmoid(x);
  for (Index i : {Index(0), Index(1), Index(15), Index(16), Index(65535), Index(100002)})
    CHECK(sigmoid(Tensor<float>(Shape{1}, {x.data()[i]})).item() == y.data()[i]);
}

TEMPLATE_TEST_CASE("fused backward kernels match autograd", "[elementwise][backward]", float, double) {
  using T = TestType;
  const auto x = ref<T>("in/x"), gy = ref<T>("in/gy");
  check_close(sigmoid_backward(ref<T>("backward/sigmoid/y"), gy), ref<T>("backward/sigmoid"));
  check_close(tanh_backward(ref<T>("backward/tanh/y"), gy), ref<T>("backward/tanh"));
  check_close(relu_backward(ref<T>("backward/relu/y"), gy), ref<T>("backward/relu"));
  check_close(leaky_relu_backward(x, gy, T(0.2)), ref<T>("backward/leaky_relu"));
  check_close(elu_backward(x, ref<T>("backward/elu/y"), gy, T(0.5)), ref<T>("backward/elu"));
  check_close(softplus_backward(x, gy), ref<T>("backward/softplus"));
  check_close(clamp_backward(x, gy, T(-1), T(2)), ref<T>("backward/clamp"));
}

TEST_CASE("backward kernels reject tensors of different shapes", "[elementwise][backward][errors]") {
  const auto a = Tensor<float>::zeros({2, 3}), b = Tensor<float>::zeros({3, 2});
  CHECK_THROWS_AS(sigmoid_backward(a, b), ShapeError);
  CHECK_THROWS_WITH(sigmoid_backward(a, b), "sigmoid_backward: shapes (2, 3) and (3, 2) differ");
  CHECK_THROWS_WITH(elu_backward(a, a, b, 1.f), "elu_backward: shapes (2, 3) and (3, 2) differ");
}

TEMPLATE_TEST_CASE("gelu_and_slope_ gives gelu's bits and the exact slope", "[elementwise][backward]", float, double) {
  // Every erf branch and the far tails: the fused kernel's value must be gelu's own (a
  // model keeps its forward bits), its slope Phi(x) + x phi(x) right to rounding and the
  // one gelu_backward uses.
  using T = TestType;
  auto x = random_tensor<T>({1000}, 11, -12, 12);
  x.data()[0] = T(0);
  const Tensor<T> ones = Tensor<T>::full(x.shape(), T(1));
  Tensor<T> y = x;
  const Tensor<T> slope = gelu_and_slope_(y);
  const Tensor<T> ref_y = gelu(x), ref_slope = gelu_backward(x, ones);
  const T tol = std::is_same_v<T, float> ? T(2e-6) : T(1e-14);
  for (Index i = 0; i < x.numel(); ++i) {
    const T v = x.data()[i];
    INFO("x = " << v);
    CHECK(y.data()[i] == ref_y.data()[i]);
    CHECK(slope.data()[i] == ref_slope.data()[i]);
    const long double lv = v;
    const long double exact = 0.5L * (1 + std::erf(lv / std::sqrt(2.0L))) + lv * std::exp(-lv * lv / 2) / std::sqrt(2 * M_PIl);
    CHECK(std::abs(static_cast<long double>(slope.data()[i]) - exact) <= tol * (1 + std::abs(exact)));
    if constexpr (std::is_same_v<T, float>) {
      // float's Phi comes from erfc, not 1 + erf: the value keeps its relative precision
      // in the lower tail too (1 + erf cancelled to 20 % at x = -5), up to the rounding of
      // x^2 in exp(-x^2 / 2) (~x^2 / 2 ulps).
      const long double value = lv * 0.5L * std::erfc(-lv / std::sqrt(2.0L));
      CHECK(std::abs(static_cast<long double>(y.data()[i]) - value) <= 1e-5L * std::abs(value));
    }
  }
  CHECK(slope.data()[0] == T(0.5));
}

TEMPLATE_TEST_CASE("bias_gelu_and_slope_ gives gelu_and_slope_'s bits at x + bias, on 1 and 2 threads",
                   "[elementwise][backward]", float, double) {
  // 300 rows of 37 (two SIMD batches and a tail): rows run in parallel blocks.
  using T = TestType;
  const auto x = random_tensor<T>({300, 37}, 12, -6, 6);
  const auto bias = random_tensor<T>({37}, 13, -2, 2);
  Tensor<T> ref = add(x, bias);
  const Tensor<T> ref_slope = gelu_and_slope_(ref);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor<T> y = x;
    const Tensor<T> slope = bias_gelu_and_slope_(y, bias);
    INFO("threads " << threads);
    CHECK(equal(y, ref));
    CHECK(equal(slope, ref_slope));
  }
  set_num_threads(0);
  Tensor<T> y = x;
  CHECK_THROWS_AS(bias_gelu_and_slope_(y, random_tensor<T>({36}, 13)), ShapeError);
}
