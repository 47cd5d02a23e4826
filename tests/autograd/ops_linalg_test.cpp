// matmul as torch.matmul: the shapes of every form, and values and gradients against
// PyTorch (tests/fixtures/matmul_forms.py).
#include "xgrad/autograd/ops_linalg.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "fixture.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/error.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Shape;
using core::Tensor;

namespace {

Tensor<double> fx(const std::string& name) { return test::fixture<double>("matmul_forms.json", name); }

bool close(const Tensor<double>& a, const Tensor<double>& b) { return core::allclose(a, b, 1e-12, 1e-12); }

struct Form {
  Shape a, b, y;
};

}  // namespace

// The shapes torch 1.13.1 gives (value; each gradient has its operand's shape).
TEST_CASE("matmul gives torch.matmul's shapes and a gradient of each operand's shape", "[linalg][matmul]") {
  const Form forms[] = {
      {Shape{3, 4}, Shape{4, 5}, Shape{3, 5}},
      {Shape{2, 3, 4}, Shape{2, 4, 5}, Shape{2, 3, 5}},
      {Shape{3, 4}, Shape{2, 4, 5}, Shape{2, 3, 5}},
      {Shape{2, 3, 4}, Shape{4, 5}, Shape{2, 3, 5}},
      {Shape{1, 3, 4}, Shape{2, 4, 5}, Shape{2, 3, 5}},
      {Shape{2, 1, 3, 4}, Shape{1, 5, 4, 2}, Shape{2, 5, 3, 2}},
      {Shape{2, 3, 4}, Shape{3, 1, 4, 2}, Shape{3, 2, 3, 2}},
      {Shape{2, 3, 4, 5}, Shape{5, 2}, Shape{2, 3, 4, 2}},
      {Shape{4}, Shape{4, 5}, Shape{5}},
      {Shape{3, 4}, Shape{4}, Shape{3}},
      {Shape{4}, Shape{4}, Shape{}},
      {Shape{2, 3, 4}, Shape{4}, Shape{2, 3}},
      {Shape{4}, Shape{2, 4, 5}, Shape{2, 5}},
  };
  for (const auto& f : forms) {
    INFO(f.a.str() << " @ " << f.b.str());
    Variable<double> a(Tensor<double>::ones(f.a), true), b(Tensor<double>::ones(f.b), true);
    const auto y = autograd::matmul(a, b);
    CHECK(y.shape() == f.y);
    autograd::sum(y).backward();
    CHECK(a.grad().shape() == f.a);
    CHECK(b.grad().shape() == f.b);
  }
}

TEST_CASE("matmul matches torch.matmul's value and gradients for every form", "[linalg][matmul]") {
  for (const char* name : {"matrix_batch", "batch_matrix", "batch_of_one", "broadcast_4d", "vector_matrix",
                           "matrix_vector", "vector_vector", "batch_vector", "vector_batch", "rank_3_by_4",
                           "rank_4_matrix"}) {
    const std::string c = name;
    INFO(c);
    Variable<double> a(fx(c + ".a"), true), b(fx(c + ".b"), true);
    const auto y = autograd::matmul(a, b);
    CHECK(close(y.value(), fx(c + ".y")));
    autograd::sum(y * fx(c + ".w")).backward();
    CHECK(close(a.grad(), fx(c + ".grad.a")));
    CHECK(close(b.grad(), fx(c + ".grad.b")));
  }
}

TEST_CASE("matmul names both shapes when batch dimensions do not broadcast or an operand is 0-d",
          "[linalg][matmul]") {
  const Variable<double> a(Tensor<double>(Shape{2, 3, 4}), true), b(Tensor<double>(Shape{3, 4, 5}), true);
  CHECK_THROWS_AS(autograd::matmul(a, b), core::ShapeError);
  CHECK_THROWS_WITH(autograd::matmul(a, b),
                    "matmul: batch dimensions (2) and (3) of shapes (2, 3, 4) and (3, 4, 5) do not broadcast");
  const Variable<double> s(Tensor<double>::scalar(2.0), true);
  CHECK_THROWS_WITH(autograd::matmul(s, b),
                    "matmul: operands must have at least 1 dimension, got shapes () and (3, 4, 5)");
  const Variable<double> v(Tensor<double>(Shape{3}), true);
  CHECK_THROWS_WITH(autograd::matmul(v, b), "matmul: shapes (3) and (3, 4, 5) do not fit (inner dimensions 3 and 4)");
}
