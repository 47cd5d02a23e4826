// Behaviours of the element-wise ops beyond what gradcheck sees: subgradients at
// ties, and the operators with scalars and tensors.
#include "xgrad/autograd/ops_elementwise.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <type_traits>
#include <vector>

#include "xgrad/autograd/gradcheck.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/elementwise.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Shape;
using core::Tensor;

namespace {
Variable<double> leaf(const Shape& s, std::vector<double> v) { return Variable<double>(Tensor<double>(s, v), true); }
}  // namespace

// torch 1.13.1: torch.maximum(a, b).sum().backward() with a = [1, 2, 3], b = [1, 5, 3]
// gives a.grad = [0.5, 0, 0.5], b.grad = [0.5, 1, 0.5]; minimum mirrors it.
TEST_CASE("maximum and minimum split the gradient of a tie half and half, like PyTorch", "[elementwise][ties]") {
  auto a = leaf(Shape{3}, {1, 2, 3});
  auto b = leaf(Shape{3}, {1, 5, 3});
  autograd::sum(autograd::maximum(a, b)).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{0.5, 0, 0.5});
  CHECK(b.grad().to_vector() == std::vector<double>{0.5, 1, 0.5});
  a.zero_grad();
  b.zero_grad();
  autograd::sum(autograd::minimum(a, b)).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{0.5, 1, 0.5});
  CHECK(b.grad().to_vector() == std::vector<double>{0.5, 0, 0.5});
}

// torch 1.13.1: a = [[1, 2], [2, 2]], b = [2]: a.grad = [[0, 0.5], [0.5, 0.5]], b.grad = [2.5]
// (1 from the element it wins, 3 halves from the ties).
TEST_CASE("a tie with a broadcast operand sends half of each tied element to it", "[elementwise][ties]") {
  auto a = leaf(Shape{2, 2}, {1, 2, 2, 2});
  auto b = leaf(Shape{1}, {2});
  autograd::sum(autograd::maximum(a, b)).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{0, 0.5, 0.5, 0.5});
  CHECK(b.grad().to_vector() == std::vector<double>{2.5});
  a.zero_grad();
  b.zero_grad();
  autograd::sum(autograd::minimum(b, a)).backward();  // 1 < 2 goes to a; the three ties half each
  CHECK(a.grad().to_vector() == std::vector<double>{1, 0.5, 0.5, 0.5});
  CHECK(b.grad().to_vector() == std::vector<double>{1.5});
}

// torch 1.13.1's formula masks only the losing side (a < b for maximum), so where a NaN
// meets a number neither side loses: both get the whole gradient.
TEST_CASE("where a NaN is compared, both operands get the gradient, like PyTorch", "[elementwise][ties]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto a = leaf(Shape{3}, {nan, 1, 2});
  auto b = leaf(Shape{3}, {1, nan, nan});
  autograd::sum(autograd::minimum(a, b)).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{1, 1, 1});
  CHECK(b.grad().to_vector() == std::vector<double>{1, 1, 1});
}

TEST_CASE("maximum of a variable with itself passes the whole gradient", "[elementwise][ties]") {
  auto a = leaf(Shape{2}, {1, 2});
  autograd::sum(autograd::maximum(a, a)).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{1, 1});
}

// ---- operators with scalars of any arithmetic type, and with tensors ---------------

namespace {
template <class A, class B>
concept Addable = requires(const A& a, const B& b) { a + b; };
template <class A, class B>
concept Multipliable = requires(const A& a, const B& b) { a * b; };

Variable<float> leaf_f(std::vector<float> v) {
  const auto n = static_cast<core::Index>(v.size());
  return Variable<float>(Tensor<float>(Shape{n}, v), true);
}
}  // namespace

// The scalar converts to the variable's type, whatever its own type: no ambiguity, and
// the result is a Variable of the same type (PyTorch: a float32 tensor stays float32).
static_assert(std::is_same_v<decltype(std::declval<Variable<float>>() * 0.5), Variable<float>>);
static_assert(std::is_same_v<decltype(2 * std::declval<Variable<float>>()), Variable<float>>);
static_assert(std::is_same_v<decltype(std::declval<Variable<double>>() - 1.5f), Variable<double>>);
static_assert(Addable<Variable<float>, long> && Addable<unsigned, Variable<double>>);
static_assert(Addable<Variable<float>, Tensor<float>> && Multipliable<Tensor<double>, Variable<double>>);
// Only arithmetic scalars and tensors of the same type are operands.
static_assert(!Addable<Variable<float>, const char*> && !Multipliable<Variable<float>, std::vector<float>>);
static_assert(!Addable<Variable<float>, Tensor<double>> && !Multipliable<Tensor<float>, Variable<double>>);

TEST_CASE("float variables take int, float and double scalars on either side", "[elementwise][scalars]") {
  auto x = leaf_f({1, 2, 4});
  CHECK((x * 0.5).value().to_vector() == std::vector<float>{0.5f, 1, 2});
  CHECK((2 * x).value().to_vector() == std::vector<float>{2, 4, 8});
  CHECK((x + 1).value().to_vector() == std::vector<float>{2, 3, 5});
  CHECK((1 - x).value().to_vector() == std::vector<float>{0, -1, -3});
  CHECK((x - 1.0).value().to_vector() == std::vector<float>{0, 1, 3});
  CHECK((x / 2).value().to_vector() == std::vector<float>{0.5f, 1, 2});  // true division, as in PyTorch
  CHECK((2.0 / x).value().to_vector() == std::vector<float>{2, 1, 0.5f});
  CHECK((x * 3L + 0.5f).value().to_vector() == std::vector<float>{3.5f, 6.5f, 12.5f});

  autograd::sum(2.0 / x + 1 - x * 3).backward();  // d/dx = -2/x^2 - 3
  CHECK(x.grad().to_vector() == std::vector<float>{-5, -3.5f, -3.125f});
}

TEST_CASE("a tensor operand is a constant: it broadcasts and gets no gradient", "[elementwise][scalars]") {
  auto x = leaf_f({1, 2, 4});
  const Tensor<float> t(Shape{2, 1}, {10, 20});
  auto y = x + t;  // (3) + (2, 1) -> (2, 3)
  CHECK(y.shape() == Shape{2, 3});
  CHECK(y.value().to_vector() == std::vector<float>{11, 12, 14, 21, 22, 24});
  auto z = t * x;
  CHECK(z.value().to_vector() == std::vector<float>{10, 20, 40, 20, 40, 80});
  autograd::sum(y + z).backward();
  CHECK(x.grad().to_vector() == std::vector<float>{32, 32, 32});  // 2 rows of 1, plus 10 + 20
  CHECK((t - x).value().to_vector() == std::vector<float>{9, 8, 6, 19, 18, 16});
  CHECK((x / t).value().to_vector() == std::vector<float>{0.1f, 0.2f, 0.4f, 0.05f, 0.1f, 0.2f});
}

TEST_CASE("int scalars and tensor constants differentiate correctly in double", "[elementwise][scalars]") {
  const Tensor<double> t(Shape{3}, {0.5, -1.5, 2.0});
  auto f = [&t](const std::vector<Variable<double>>& v) {
    const auto& x = v[0];
    return (2 * x + 1) / 3 - 4 / (x * x + 1) + x * t - (t / (x + 3)) + (1 - x) * 2;
  };
  std::vector<Variable<double>> in{Variable<double>(Tensor<double>(Shape{2, 3}, {-1, 0.5, 2, 1.5, -0.25, 3}), true)};
  const auto r = autograd::gradcheck(f, in);
  INFO(r.message);
  CHECK(r.ok);
  // The value, spelled out for one element (x = -1, t = 0.5): -1/3 - 2 - 0.5 - 0.25 + 4.
  CHECK(f(in).value().data()[0] == Approx(-1.0 / 3 - 2 - 0.5 - 0.25 + 4));
}

// relu's backward masks its own gradient buffer in place and hands it on: the result
// must be the out-of-place kernel's, bit for bit, when the gradient arrives from two
// uses, when the input already holds a gradient, and the caller's seed is untouched.
TEST_CASE("relu's in-place backward gives the out-of-place kernel's gradient", "[elementwise]") {
  const Tensor<float> x0(Shape{2, 3}, {-1.f, 2.f, 0.f, 3.5f, -0.25f, 7.f});
  const Tensor<float> seed(Shape{2, 3}, {0.3f, -1.1f, 2.f, 0.7f, 5.f, -0.9f});
  Variable<float> x(x0, true);
  const auto y = autograd::relu(x);
  const auto out = autograd::add(autograd::mul(y, 3.f), autograd::add(y, x));  // two uses of y; x fed twice
  out.backward(seed);
  Tensor<float> gy = core::mul(seed, 3.f);
  core::add_(gy, seed);
  Tensor<float> want = core::relu_backward(core::relu(x0), gy);
  core::add_(want, seed);
  CHECK(x.grad().to_vector() == want.to_vector());
  CHECK(seed.to_vector() == std::vector<float>{0.3f, -1.1f, 2.f, 0.7f, 5.f, -0.9f});
}
