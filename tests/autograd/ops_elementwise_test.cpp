// Behaviours of the element-wise ops beyond what gradcheck sees: subgradients at
// ties, and the operators with scalars and tensors.
#include "xgrad/autograd/ops_elementwise.hpp"

#include <catch2/catch.hpp>

#include <limits>

#include "xgrad/autograd/ops_reduce.hpp"

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
