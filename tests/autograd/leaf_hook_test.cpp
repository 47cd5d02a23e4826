// backward's leaf hook: each leaf that gets a gradient is announced once, when its
// gradient is final, and early enough that changing the leaf there changes nothing
// else (what an optimizer step inside backward relies on).
#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include "xgrad/autograd/autograd.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Shape;
using core::Tensor;

namespace {

Variable<double> leaf(Shape shape, double start, bool grad = true) {
  Tensor<double> t(shape);
  for (core::Index i = 0; i < t.numel(); ++i) t.data()[i] = start + 0.1 * static_cast<double>(i % 7);
  return Variable<double>(std::move(t), grad);
}

// Two layers whose first weight is also used by the last op (a leaf with two uses far
// apart in the order), a bias, an input whose gradient reads w1, and a constant.
struct Net {
  Variable<double> x = leaf(Shape{3, 4}, -0.3);
  Variable<double> c = leaf(Shape{3, 4}, 0.2, false);
  Variable<double> w1 = leaf(Shape{5, 4}, -0.2), b1 = leaf(Shape{5}, 0.1);
  Variable<double> w2 = leaf(Shape{4, 5}, 0.05);
  Variable<double> unused = leaf(Shape{2}, 1.0);
  std::vector<Variable<double>> leaves() const { return {w1, b1, w2, x, unused}; }
  Variable<double> loss() const {
    auto h = autograd::tanh(autograd::linear(x * c, w1, b1));
    auto y = autograd::linear(h, w2);                        // (3, 4)
    return autograd::sum(autograd::exp(y) * autograd::sum(w1));  // w1 again, at the end
  }
};

}  // namespace

TEST_CASE("the leaf hook fires once per leaf that got a gradient, with its final gradient", "[engine][hook]") {
  Net plain, hooked;
  plain.loss().backward();
  std::map<const void*, int> calls;
  std::map<const void*, Tensor<double>> seen;
  hooked.loss().backward(false, [&](const Variable<double>& v) {
    ++calls[v.node().get()];
    seen[v.node().get()] = v.grad();  // a copy: what the gradient was when announced
  });
  CHECK(calls.size() == 4);
  const auto p = plain.leaves(), h = hooked.leaves();
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(calls[h[i].node().get()] == 1);
    CHECK(seen[h[i].node().get()].to_vector() == p[i].grad().to_vector());  // w1's two uses summed
    CHECK(h[i].grad().to_vector() == p[i].grad().to_vector());
  }
  CHECK(calls.count(hooked.unused.node().get()) == 0);  // no gradient: not announced
  CHECK(calls.count(hooked.c.node().get()) == 0);       // needs none
}

TEST_CASE("a leaf changed in the hook changes no other gradient", "[engine][hook]") {
  Net plain, hooked;
  plain.loss().backward();
  // What an optimizer step does: overwrite the value. An op still to run that read it
  // (the hook fired too early) would give the other leaves different gradients.
  hooked.loss().backward(false, [](const Variable<double>& v) {
    Variable<double> w = v;
    for (auto& e : w.value_mut()) e = 100.0;
  });
  const auto p = plain.leaves(), h = hooked.leaves();
  for (std::size_t i = 0; i < 4; ++i) CHECK(h[i].grad().to_vector() == p[i].grad().to_vector());
}

TEST_CASE("a layer's weight is announced before the layers under it run", "[engine][hook]") {
  // The point of the hook: the last layer's weight can be stepped while it is in cache.
  auto x = leaf(Shape{3, 4}, -0.3, false);
  auto w1 = leaf(Shape{4, 4}, -0.2), w2 = leaf(Shape{4, 4}, 0.1);
  auto loss = autograd::sum(autograd::linear(autograd::tanh(autograd::linear(x, w1)), w2));
  std::vector<const void*> order;
  loss.backward(false, [&](const Variable<double>& v) { order.push_back(v.node().get()); });
  CHECK(order == std::vector<const void*>{w2.node().get(), w1.node().get()});
}

TEST_CASE("the hook sees a leaf that is the root itself, and old signatures still work", "[engine][hook]") {
  auto x = leaf(Shape{1}, 2.0);
  int calls = 0;
  x.backward(false, [&](const Variable<double>& v) { calls += v.grad().item() == 1.0; });
  CHECK(calls == 1);
  auto y = leaf(Shape{2}, 1.0);
  (y * 3.0).backward(Tensor<double>(Shape{2}, {1, 2}), false,
                     [&](const Variable<double>& v) { calls += v.node() == y.node(); });
  CHECK(calls == 2);
  autograd::sum(y).backward();
  CHECK(y.grad().to_vector() == std::vector<double>{4, 7});
}
