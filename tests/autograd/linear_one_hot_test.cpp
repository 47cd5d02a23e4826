// linear_one_hot is linear over [x, one_hot(labels)] (what torch.nn.Linear gives on the
// concatenation, which xgrad's linear matches: tests/nn/layers_linear_conv_test.cpp):
// the same weights give the same value and the same gradients of x, w and b.
#include <catch2/catch.hpp>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/core/shape_ops.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Index;
using core::IndexTensor;
using core::Shape;
using core::Tensor;

namespace {

template <class T>
struct Grads {
  Tensor<T> y, x, w, b;
};

// Value and gradients of sum(f(x, w, b) * weights) for fresh leaves of the given values.
template <class T, class F>
Grads<T> run(const F& f, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, const Tensor<T>& weights) {
  Variable<T> xv(x, true), wv(w, true), bv(b, true);
  const Variable<T> y = f(xv, wv, bv);
  autograd::sum(autograd::mul(y, Variable<T>(weights))).backward();
  return {y.value(), xv.grad(), wv.grad(), bv.grad()};
}

template <class T>
void check_against_concat(bool relu, double tol) {
  core::Generator gen(7);
  const Index rows = 37, in = 21, classes = 5, out = 19;
  const Tensor<T> x = core::normal<T>(Shape{rows, in}, 0, 1, gen), w = core::normal<T>(Shape{out, in + classes}, 0, 1, gen);
  const Tensor<T> b = core::normal<T>(Shape{out}, 0, 1, gen), weights = core::normal<T>(Shape{rows, out}, 0, 1, gen);
  IndexTensor labels(Shape{rows});
  for (Index r = 0; r < rows; ++r) labels.data()[r] = (r * 3) % (classes - 1);  // class 4 unused: its column's gradient is 0
  const Variable<T> one_hot(core::one_hot<T>(labels, classes));
  const auto split = run<T>([&](auto& xv, auto& wv, auto& bv) {
    return relu ? autograd::linear_one_hot_relu(xv, labels, wv, bv) : autograd::linear_one_hot(xv, labels, wv, bv);
  }, x, w, b, weights);
  const auto joined = run<T>([&](auto& xv, auto& wv, auto& bv) {
    const auto cat = autograd::concat<T>({xv, one_hot}, 1);
    return relu ? autograd::linear_relu(cat, wv, bv) : autograd::linear(cat, wv, bv);
  }, x, w, b, weights);
  CHECK(core::allclose(split.y, joined.y, tol, tol));
  CHECK(core::allclose(split.x, joined.x, tol, tol));
  CHECK(core::allclose(split.w, joined.w, tol, tol));
  CHECK(core::allclose(split.b, joined.b, tol, tol));
}

}  // namespace

TEST_CASE("linear_one_hot gives linear's value and gradients over the concatenation with the one-hot labels",
          "[linalg][linear_one_hot]") {
  SECTION("double") { check_against_concat<double>(false, 1e-12); }
  SECTION("float") { check_against_concat<float>(false, 1e-5); }
  SECTION("fused relu, double") { check_against_concat<double>(true, 1e-12); }
}

TEST_CASE("linear_one_hot names a label outside the weight's classes", "[linalg][linear_one_hot]") {
  const Variable<float> x(Tensor<float>(Shape{2, 3}), true), w(Tensor<float>(Shape{4, 3 + 2}), true);
  CHECK_THROWS_WITH(autograd::linear_one_hot(x, IndexTensor(Shape{2}, {1, 2}), w),
                    "linear_one_hot: label 2 at row 1 is out of range for 2 classes");
  CHECK_THROWS_AS(autograd::linear_one_hot(x, IndexTensor(Shape{3}, {0, 1, 0}), w), core::ShapeError);
}

TEST_CASE("linear_one_hot_grad_weight_ keeps beta times the gradient already there, label columns included",
          "[linalg][linear_one_hot]") {
  // gw = beta gw + gy^T [x, one_hot(labels)], as core/linalg.hpp says, for any beta (not only 0 or 1).
  const Index rows = 3, in = 2, classes = 2, out = 2;
  const Tensor<double> x(Shape{rows, in}, {1, 2, 3, 4, 5, 6}), gy(Shape{rows, out}, {1, 0, 0, 1, 1, 1});
  const IndexTensor labels(Shape{rows}, {0, 1, 0});
  Tensor<double> gw = Tensor<double>::full(Shape{out, in + classes}, 2.0);
  core::linear_one_hot_grad_weight_(gw, gy, x, labels, 0.5);
  // gy^T x = [[6, 8], [8, 10]]; gy's rows summed per class: class 0 rows 0, 2 -> (2, 1), class 1 row 1 -> (0, 1).
  const Tensor<double> expected(Shape{out, in + classes}, {1 + 6, 1 + 8, 1 + 2, 1 + 0, 1 + 8, 1 + 10, 1 + 1, 1 + 1});
  CHECK(core::allclose(gw, expected, 1e-12, 1e-12));
}
