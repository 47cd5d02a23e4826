// Per-parameter steps (for an optimizer step inside backward): step_param on every
// parameter, in any order, then finish_step() gives step()'s bits, state included.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <memory>

#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/optim/rmsprop.hpp"
#include "xgrad/nn/optim/sgd.hpp"

using namespace xgrad::nn;
using xgrad::core::ShapeError;
using xgrad::core::ValueError;

namespace {

using Make = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

std::vector<ParamGroup> groups_of(std::vector<Var>& params) {
  params.clear();
  for (Index n : {Index(3), Index(70000), Index(17)}) {  // 70000: a parallel pass
    Tensor t({n});
    for (Index i = 0; i < n; ++i) t.data()[i] = 0.5f - 0.001f * static_cast<float>(i % 997);
    params.emplace_back(std::move(t), true);
  }
  return {{{params[0], params[1]}, 0.01}, {{params[2]}, 0.03}};
}

void set_grads(std::vector<Var>& params, int step) {
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (k == 2 && step == 1) {  // a parameter without a gradient this step: it must not advance
      params[k].zero_grad();
      continue;
    }
    Tensor g(params[k].shape());
    for (Index i = 0; i < g.numel(); ++i) g.data()[i] = 0.01f * static_cast<float>((i * 7 + step * 3 + k) % 11) - 0.05f;
    params[k].grad_mut() = std::move(g);
  }
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.numel()) == 0;
}

void check_same_as_step(const Make& make) {
  std::vector<Var> pa, pb;
  auto a = make(groups_of(pa));
  auto b = make(groups_of(pb));
  for (int step = 0; step < 4; ++step) {
    set_grads(pa, step);
    set_grads(pb, step);
    a->step();
    for (std::size_t g = b->groups().size(); g-- > 0;)  // another order than step()'s
      for (std::size_t i = b->groups()[g].params.size(); i-- > 0;) b->step_param(g, i);
    b->finish_step();
  }
  for (std::size_t k = 0; k < pa.size(); ++k) CHECK(same_bits(pa[k].value(), pb[k].value()));
  const OptimizerState sa = a->state(), sb = b->state();
  CHECK(sa.scalars == sb.scalars);
  REQUIRE(sa.tensors.size() == sb.tensors.size());
  for (std::size_t k = 0; k < sa.tensors.size(); ++k) {
    CHECK(sa.tensors[k].first == sb.tensors[k].first);
    CHECK(same_bits(sa.tensors[k].second, sb.tensors[k].second));
  }
}

}  // namespace

TEST_CASE("step_param on every parameter then finish_step gives step()'s bits", "[optim][param_step]") {
  SECTION("Adam") {
    check_same_as_step([](auto g) { return std::make_unique<Adam>(std::move(g), AdamOptions{.weight_decay = 0.1}); });
  }
  SECTION("AdamW with amsgrad") {
    check_same_as_step([](auto g) { return std::make_unique<AdamW>(std::move(g), AdamWOptions{.amsgrad = true}); });
  }
  SECTION("SGD with Nesterov momentum") {
    check_same_as_step([](auto g) {
      return std::make_unique<SGD>(std::move(g), SGDOptions{.momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    });
  }
  SECTION("RMSprop, centered with momentum") {
    check_same_as_step([](auto g) {
      return std::make_unique<RMSprop>(std::move(g), RMSpropOptions{.momentum = 0.5, .centered = true});
    });
  }
}

TEST_CASE("step_param checks the gradient's shape before touching the parameter", "[optim][param_step]") {
  Var p(Tensor({2}, {1, 2}), true);
  Adam adam(std::vector<Var>{p});
  p.grad_mut() = Tensor({3}, {1, 1, 1});
  CHECK_THROWS_AS(adam.step_param(0, 0), ShapeError);
  CHECK(p.value().to_vector() == std::vector<float>{1, 2});
  CHECK(adam.state().tensors.empty());
  p.zero_grad();
  adam.step_param(0, 0);  // no gradient: nothing
  CHECK(adam.state().tensors.empty());
}

TEST_CASE("an optimizer that only overrides step() refuses step_param", "[optim][param_step]") {
  struct Halve : Optimizer {
    using Optimizer::Optimizer;
    void step() override { ++steps_; }
    const char* name() const override { return "Halve"; }
    std::vector<std::string> slot_names() const override { return {}; }
  };
  Halve h(std::vector<ParamGroup>{{{Var(Tensor({1}, {1}), true)}, 0.1}});
  CHECK_FALSE(h.steps_per_parameter());
  CHECK_THROWS_AS(h.step_param(0, 0), ValueError);
}
