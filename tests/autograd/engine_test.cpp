#include <catch2/catch.hpp>

#include <cmath>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/elementwise.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Shape;
using core::Tensor;

namespace {
Variable<double> leaf(std::vector<double> v, bool grad = true) {
  const auto n = static_cast<core::Index>(v.size());
  return Variable<double>(Tensor<double>(Shape{n}, v), grad);
}
}  // namespace

TEST_CASE("backward of a scalar fills leaf gradients", "[engine]") {
  auto x = leaf({1, 2, 3});
  auto y = autograd::sum(x * x);  // dy/dx = 2x
  y.backward();
  CHECK(x.grad().to_vector() == std::vector<double>{2, 4, 6});
}

TEST_CASE("copies of a variable are the same variable", "[engine]") {
  auto x = leaf({1, 2});
  auto alias = x;
  autograd::sum(alias * 3.0).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{3, 3});
}

TEST_CASE("leaf gradients accumulate across backward calls until zeroed", "[engine]") {
  auto x = leaf({1, 1});
  autograd::sum(x * 2.0).backward();
  autograd::sum(x * 5.0).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{7, 7});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  autograd::sum(x).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{1, 1});
}

TEST_CASE("fan-out gradients add up", "[engine]") {
  auto x = leaf({2});
  auto y = x * x + x * 3.0 + x;  // dy/dx = 2x + 4
  autograd::sum(y).backward();
  CHECK(x.grad().item() == 8.0);
}

TEST_CASE("backward of a non-scalar needs an output gradient", "[engine]") {
  auto x = leaf({1, 2});
  auto y = x * 2.0;
  CHECK_THROWS_WITH(y.backward(), "backward: output of shape (2) is not a scalar; pass the output gradient explicitly");
  y.backward(Tensor<double>(Shape{2}, {1, 10}));
  CHECK(x.grad().to_vector() == std::vector<double>{2, 20});
  auto z = x * 2.0;
  CHECK_THROWS_WITH(z.backward(Tensor<double>(Shape{3}, {1, 1, 1})),
                    "backward: output gradient of shape (3) for an output of shape (2)");
}

TEST_CASE("the graph is freed after backward unless retained", "[engine]") {
  auto x = leaf({1, 2});
  auto y = autograd::sum(autograd::exp(x));
  y.backward(/*retain_graph=*/true);
  const auto first = x.grad().to_vector();
  y.backward();  // the retained graph runs again and accumulates
  CHECK(x.grad().at({1}) == Approx(2 * first[1]));
  CHECK(y.node()->num_parents() == 0);  // released by the second, unretained pass
}

TEST_CASE("a second backward from the same root through a freed graph throws", "[engine]") {
  auto x = leaf({1, 2});
  auto y = autograd::sum(autograd::exp(x));
  y.backward();
  const auto first = x.grad().to_vector();
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("was freed by an earlier backward()") &&
                                      Catch::Contains("retain_graph") && Catch::Contains("'sum'"));
  CHECK(x.grad().to_vector() == first);  // refused before anything accumulated
}

TEST_CASE("a second root sharing a freed part of the graph throws instead of dropping gradient", "[engine]") {
  // z = exp(a); l1 = sum(z); l2 = sum(2 z): PyTorch raises on l2.backward() after l1's.
  auto a = leaf({1});
  auto z = autograd::exp(a);
  auto l1 = autograd::sum(z);
  auto l2 = autograd::sum(z * 2.0);
  l1.backward();
  CHECK(a.grad().item() == Approx(std::exp(1.0)));
  CHECK_THROWS_WITH(l2.backward(), Catch::Contains("'exp' was freed") && Catch::Contains("retain_graph"));
  CHECK(a.grad().item() == Approx(std::exp(1.0)));
}

TEST_CASE("retain_graph keeps the shared part for a second root: gradients add up", "[engine]") {
  auto a = leaf({1});
  auto z = autograd::exp(a);
  auto l1 = autograd::sum(z);
  auto l2 = autograd::sum(z * 2.0);
  l1.backward(/*retain_graph=*/true);
  l2.backward();
  CHECK(a.grad().item() == Approx(3 * std::exp(1.0)));  // 8.155, as PyTorch
}

TEST_CASE("a new op on the value of a freed result cannot reach the inputs behind it", "[engine]") {
  auto a = leaf({1});
  auto z = autograd::exp(a);
  autograd::sum(z).backward();
  auto l3 = autograd::sum(z * 3.0);
  CHECK_THROWS_WITH(l3.backward(), Catch::Contains("'exp' was freed"));
}

TEST_CASE("a freed graph that no gradient needs is no obstacle: detached values and leaves", "[engine]") {
  auto a = leaf({1});
  auto z = autograd::exp(a);
  autograd::sum(z).backward();
  auto b = leaf({2});
  auto l = autograd::sum(z.detach() * b);
  l.backward();
  CHECK(b.grad().item() == Approx(std::exp(1.0)));
  autograd::sum(a * 2.0).backward();  // leaves are never freed
  CHECK(a.grad().item() == Approx(std::exp(1.0) + 2));
}

TEST_CASE("NoGradGuard stops recording on this thread", "[engine]") {
  auto x = leaf({1, 2});
  {
    autograd::NoGradGuard guard;
    auto y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.is_leaf());
  }
  CHECK((x * 2.0).requires_grad());
}

TEST_CASE("ops on inputs without requires_grad record nothing", "[engine]") {
  auto a = leaf({1}, false), b = leaf({2}, false);
  auto c = a * b;
  CHECK_FALSE(c.requires_grad());
  CHECK(c.is_leaf());
  CHECK_THROWS_WITH(autograd::sum(c).backward(),
                    "backward: this variable does not require a gradient (no input requires one)");
}

TEST_CASE("detach cuts the graph", "[engine]") {
  auto x = leaf({3});
  auto y = (x * x).detach() * x;  // d/dx treats x^2 as a constant: 9
  autograd::sum(y).backward();
  CHECK(x.grad().item() == 9.0);
}

TEST_CASE("set_requires_grad is only for leaves", "[engine]") {
  auto x = leaf({1});
  auto y = x * 2.0;
  CHECK_THROWS_WITH(y.set_requires_grad(false), "set_requires_grad: only leaf variables can change requires_grad");
  CHECK(std::string(y.op_name()) == "mul_scalar");
  CHECK(std::string(x.op_name()) == "leaf");
}

TEST_CASE("an unrolled recurrence of 1000 steps x 50 ops backpropagates", "[engine]") {
  Variable<float> h(Tensor<float>::full(Shape{4}, 0.1f), true);
  Variable<float> w(Tensor<float>::full(Shape{4}, 0.5f), true);
  Variable<float> s = h;
  for (int t = 0; t < 1000; ++t)
    for (int k = 0; k < 25; ++k) s = autograd::tanh(s * w);  // two ops per inner step
  autograd::sum(s).backward();
  REQUIRE(w.grad().defined());
  CHECK(std::isfinite(w.grad().at({0})));
}

TEST_CASE("a chain of 100,000 ops backpropagates and is destroyed without deep recursion", "[engine]") {
  Variable<float> x(Tensor<float>::full(Shape{2}, 1.0f), true);
  Variable<float> y = x;
  for (int i = 0; i < 100000; ++i) y = y + 1e-6f;
  autograd::sum(y).backward();
  CHECK(x.grad().to_vector() == std::vector<float>{1, 1});
  // And a graph dropped without backward: destroying it must not recurse either.
  Variable<float> z = x;
  for (int i = 0; i < 100000; ++i) z = z * 1.0f;
  CHECK(x.node().use_count() == 2);  // x and the first node of z's chain
  z = Variable<float>();
  CHECK(x.node().use_count() == 1);
}

TEST_CASE("anomaly mode names the op whose forward makes NaN", "[anomaly]") {
  auto x = leaf({-1});
  {
    autograd::AnomalyGuard on;
    CHECK_THROWS_WITH(autograd::log(x), "anomaly: the forward value of 'log' holds NaN or Inf (shape (1))");
  }
  CHECK_NOTHROW(autograd::log(x));  // off by default: NaN flows silently, as in PyTorch
}

TEST_CASE("anomaly mode names the op and input whose backward makes NaN", "[anomaly]") {
  auto x = leaf({0});
  autograd::AnomalyGuard on;
  auto y = autograd::sqrt(x);  // forward 0 is fine; d sqrt / dx at 0 is inf
  CHECK_THROWS_WITH(autograd::sum(y).backward(),
                    "anomaly: the backward of 'sqrt' produced NaN or Inf in the gradient of input 0");
}
