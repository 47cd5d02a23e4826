// The fused losses' shapes and errors beyond what the gradcheck table covers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad;
using autograd::Variable;
using core::IndexTensor;
using core::Shape;

TEST_CASE("cross_entropy takes (..., C) logits: the rows' values and gradients, the labels' shape", "[fused]") {
  core::Generator gen(3);
  const auto z = core::normal<double>(Shape{2, 3, 5}, 0.0, 1.0, gen);
  const IndexTensor labels(Shape{2, 3}, {0, 4, 2, 2, 1, 3});
  const auto w = core::normal<double>(Shape{2, 3}, 0.0, 1.0, gen);
  Variable<double> seq(z, true), rows(z.reshape(Shape{6, 5}), true);
  const auto a = autograd::cross_entropy(seq, labels), b = autograd::cross_entropy(rows, labels.reshape(Shape{6}));
  CHECK(a.shape() == Shape{2, 3});
  CHECK(std::equal(a.value().begin(), a.value().end(), b.value().begin()));
  autograd::sum(a * Variable<double>(w)).backward();
  autograd::sum(b * Variable<double>(w.reshape(Shape{6}))).backward();
  CHECK(std::equal(seq.grad().begin(), seq.grad().end(), rows.grad().begin()));
  CHECK_THROWS_WITH(autograd::cross_entropy(seq, labels.reshape(Shape{6})),
                    "cross_entropy: logits (2, 3, 5) and labels (6) must be (..., C) and (...), e.g. (N, C) and (N)");
}

TEST_CASE("cross_entropy of one distribution: (C) logits and a 0-d label give a 0-d loss", "[fused]") {
  Variable<double> z(core::Tensor<double>(Shape{3}, {0.5, -1.0, 2.0}), true);
  const auto loss = autograd::cross_entropy(z, IndexTensor(Shape{}, {2}));
  CHECK(loss.shape() == Shape{});
  const double lse = std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0));
  CHECK(loss.value().item() == Approx(lse - 2.0).epsilon(1e-14));
  loss.backward();
  CHECK(z.grad().data()[2] == Approx(std::exp(2.0 - lse) - 1).epsilon(1e-14));
}

TEST_CASE("cross_entropy of an empty batch is empty, and so is its gradient", "[fused]") {
  Variable<double> z(core::Tensor<double>(Shape{0, 4}), true);
  const auto loss = autograd::cross_entropy(z, IndexTensor(Shape{0}));
  CHECK(loss.shape() == Shape{0});
  autograd::sum(loss).backward();
  CHECK(z.grad().shape() == Shape{0, 4});
}
