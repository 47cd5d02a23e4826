// The pieces the sequence models (Vrnn, RnnLm) are wired from: the recurrence
// (common/recurrence.hpp).
#include <catch2/catch.hpp>

#include <vector>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/recurrence.hpp"

using namespace xgrad;
using namespace xgrad::models;
using core::Index;
using nn::Tensor;

namespace {

Tensor randn(const core::Shape& shape, core::Generator& gen) { return core::normal<float>(shape, 0.f, 1.f, gen); }

}  // namespace

TEST_CASE("a Recurrence steps its GRU or LSTM cell from a zero state", "[sequence]") {
  for (const RecurrentCell kind : {RecurrentCell::GRU, RecurrentCell::LSTM}) {
    core::Generator gen(1);
    const Recurrence cell(kind, {.in = 3, .hidden = 4}, gen);
    const bool lstm = kind == RecurrentCell::LSTM;
    CHECK(cell.name() == (lstm ? "LSTM" : "GRU"));
    const RecurrentState s0 = cell.zeros(2);
    CHECK(s0.h.shape() == core::Shape{2, 4});
    CHECK(s0.c.defined() == lstm);
    const Var x(randn({2, 3}, gen));
    const RecurrentState s1 = cell.step(x, s0);
    if (lstm) {
      const nn::LSTMState want = dynamic_cast<nn::LSTMCell&>(*cell.module()).forward(x, {s0.h, s0.c});
      CHECK(s1.h.value().to_vector() == want.h.value().to_vector());
      CHECK(s1.c.value().to_vector() == want.c.value().to_vector());
    } else {
      const Var want = dynamic_cast<nn::GRUCell&>(*cell.module()).forward(x, s0.h);
      CHECK(s1.h.value().to_vector() == want.value().to_vector());
    }
  }
}

TEST_CASE("a Recurrence starts from a given state of the right shape, else zeros", "[sequence]") {
  core::Generator gen(2);
  const Recurrence cell(RecurrentCell::GRU, {.in = 3, .hidden = 4}, gen);
  const RecurrentState given{Var(Tensor::ones({2, 4})), {}};
  CHECK(cell.start(2, given).h.value().to_vector() == given.h.value().to_vector());
  CHECK(cell.start(2, {}).h.value().to_vector() == Tensor::zeros({2, 4}).to_vector());
  CHECK_THROWS_AS(cell.start(3, given), core::ShapeError);
}

TEST_CASE("keep_rows keeps the state of the rows whose step is padding", "[sequence]") {
  const RecurrentState prev{Var(Tensor::ones({2, 2})), Var(Tensor::ones({2, 2}))};
  const RecurrentState next{Var(Tensor::zeros({2, 2})), Var(Tensor::zeros({2, 2}))};
  const RecurrentState s = keep_rows(Tensor({2, 1}, {1.f, 0.f}), next, prev);
  CHECK(s.h.value().to_vector() == std::vector<float>{0, 0, 1, 1});
  CHECK(s.c.value().to_vector() == std::vector<float>{0, 0, 1, 1});
  CHECK(keep_rows(Tensor(), next, prev).h.value().to_vector() == next.h.value().to_vector());
}
