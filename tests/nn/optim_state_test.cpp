// Optimizer state: a restored optimizer continues bit-identically, and a state
// that does not fit is refused with the offending key named, changing nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>

#include "xgrad/core/parallel.hpp"
#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/optim/rmsprop.hpp"
#include "xgrad/nn/optim/sgd.hpp"

using namespace xgrad::nn;
using Catch::Matchers::Contains;
using xgrad::core::ShapeError;
using xgrad::core::ValueError;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

template <class O, class Options>
MakeOptimizer maker(Options options) {
  return [options](std::vector<ParamGroup> groups) { return std::make_unique<O>(std::move(groups), options); };
}

// Deterministic, varied values (no RNG needed).
Tensor wave(const Shape& shape, float phase) {
  Tensor t(shape);
  for (Index i = 0; i < t.numel(); ++i) t.data()[i] = std::sin(0.37f * float(i) + phase) * (1 + float(i % 7) / 3);
  return t;
}

// Two groups; the first parameter is large enough to go parallel and has a partial last batch.
std::vector<Var> fresh_params() {
  return {Var(wave({300, 331}, 0.1f), true), Var(wave({17}, 0.2f), true), Var(wave({4, 4}, 0.3f), true)};
}

std::vector<ParamGroup> groups_of(const std::vector<Var>& p) { return {{{p[0], p[1]}, 0.01}, {{p[2]}, 0.003}}; }

void run_steps(Optimizer& opt, const std::vector<Var>& params, int from, int to) {
  for (int k = from; k < to; ++k) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      Var p = params[i];
      if (k == 0 && i == 1)
        p.zero_grad();  // one parameter sits out a step
      else
        p.grad_mut() = wave(p.shape(), float(k) + float(i));
    }
    opt.step();
  }
}

std::vector<Var> copies(const std::vector<Var>& params) {
  std::vector<Var> out;
  for (const Var& p : params) out.emplace_back(p.value(), true);
  return out;
}

void check_round_trip(const MakeOptimizer& make) {
  auto straight = fresh_params();
  auto opt = make(groups_of(straight));
  run_steps(*opt, straight, 0, 5);

  auto first = fresh_params();
  auto before = make(groups_of(first));
  run_steps(*before, first, 0, 3);
  const OptimizerState saved = before->state();
  auto resumed_params = copies(first);  // as a checkpoint would restore the model
  auto resumed = make(groups_of(resumed_params));
  resumed->load_state(saved);
  run_steps(*resumed, resumed_params, 3, 5);

  for (std::size_t i = 0; i < straight.size(); ++i) CHECK(xgrad::core::equal(resumed_params[i].value(), straight[i].value()));
  CHECK(resumed->steps() == 5);
}

OptimizerState adam_state_after_one_step() {
  auto p = fresh_params();
  Adam opt(groups_of(p));
  run_steps(opt, p, 0, 1);
  return opt.state();
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("SGD with momentum resumes bit-identically from its state", "[optim]") {
  check_round_trip(maker<SGD>(SGDOptions{.momentum = 0.9, .weight_decay = 0.01, .nesterov = true}));
}

TEST_CASE("Adam with amsgrad resumes bit-identically from its state", "[optim]") {
  check_round_trip(maker<Adam>(AdamOptions{.weight_decay = 0.01, .amsgrad = true}));
}

TEST_CASE("AdamW resumes bit-identically from its state", "[optim]") { check_round_trip(maker<AdamW>(AdamWOptions{})); }

TEST_CASE("centered RMSprop with momentum resumes bit-identically from its state", "[optim]") {
  check_round_trip(maker<RMSprop>(RMSpropOptions{.momentum = 0.5, .centered = true}));
}

TEST_CASE("a state holds per-parameter step counts, group lrs and sizes", "[optim]") {
  const auto s = adam_state_after_one_step();
  CHECK(s.scalars.at("step") == 1);
  CHECK(s.scalars.at("0.lr") == 0.01);
  CHECK(s.scalars.at("1.lr") == 0.003);
  CHECK(s.scalars.at("0.params") == 2);
  CHECK(s.scalars.at("0.0.step") == 1);
  CHECK(s.scalars.count("0.1.step") == 0);  // it had no gradient: no state yet, as in PyTorch
  CHECK(s.tensors.size() == 4);             // exp_avg and exp_avg_sq of 0.0 and 1.0
  CHECK(s.tensors[0].first == "0.0.exp_avg");
}

TEST_CASE("an Adam update does not depend on the thread count", "[optim]") {
  auto run = [](int threads) {
    xgrad::core::set_num_threads(threads);
    auto p = fresh_params();
    Adam opt(groups_of(p));
    run_steps(opt, p, 0, 3);
    return p[0].value();
  };
  const int before = xgrad::core::num_threads();
  const Tensor one = run(1), two = run(2);
  xgrad::core::set_num_threads(before);
  CHECK(xgrad::core::equal(one, two));
}

TEST_CASE("Adam's first step moves every element by lr g / (|g| + eps), on 1 and 2 threads", "[optim]") {
  // m^ = g and v^ = g^2 after one step: each element moves by lr g / (|g| + eps). The first
  // parameter spans many parallel units of the fused update (nn/optim/adam.cpp), the others
  // are under one unit, so an element the update skips or sends to another parameter shows.
  const int before = xgrad::core::num_threads();
  for (int threads : {1, 2}) {
    xgrad::core::set_num_threads(threads);
    auto p = fresh_params();
    std::vector<Tensor> start;
    for (auto& v : p) start.push_back(v.value());
    Adam opt(groups_of(p));
    run_steps(opt, p, 1, 2);  // every parameter gets wave(shape, 1 + i)
    const float lr[] = {0.01f, 0.01f, 0.003f};
    for (std::size_t i = 0; i < p.size(); ++i) {
      const Tensor g = wave(p[i].shape(), 1.f + float(i));
      INFO("threads " << threads << ", parameter " << i);
      for (Index e = 0; e < g.numel(); ++e) {
        const float gv = g.data()[e], step = lr[i] * gv / (std::abs(gv) + 1e-8f);
        REQUIRE(p[i].value().data()[e] == Approx(start[i].data()[e] - step).margin(1e-6));
      }
    }
  }
  xgrad::core::set_num_threads(before);
}

TEST_CASE("load_state names a slot tensor of the wrong shape", "[optim]") {
  auto s = adam_state_after_one_step();
  s.tensors[1].second = Tensor::zeros({3});
  auto p = fresh_params();
  Adam opt(groups_of(p));
  CHECK_THAT(error_of<ShapeError>([&] { opt.load_state(s); }), Contains("'0.0.exp_avg_sq'") && Contains("(300, 331)"));
}

TEST_CASE("load_state names a slot this optimizer does not keep", "[optim]") {
  auto p = fresh_params();
  SGD sgd(groups_of(p), {.momentum = 0.9});
  run_steps(sgd, p, 0, 1);
  Adam adam(groups_of(p));
  CHECK_THAT(error_of<ValueError>([&] { adam.load_state(sgd.state()); }), Contains("'0.0.momentum_buffer'"));
}

TEST_CASE("load_state names a key for a parameter that does not exist", "[optim]") {
  auto s = adam_state_after_one_step();
  s.tensors.emplace_back("1.4.exp_avg", Tensor::zeros({4, 4}));
  auto p = fresh_params();
  Adam opt(groups_of(p));
  CHECK_THAT(error_of<ValueError>([&] { opt.load_state(s); }), Contains("'1.4.exp_avg'"));
}

TEST_CASE("load_state names a missing group lr", "[optim]") {
  auto s = adam_state_after_one_step();
  s.scalars.erase("1.lr");
  auto p = fresh_params();
  Adam opt(groups_of(p));
  CHECK_THAT(error_of<ValueError>([&] { opt.load_state(s); }), Contains("'1.lr'"));
}

TEST_CASE("load_state refuses a state made for groups of other sizes", "[optim]") {
  const auto s = adam_state_after_one_step();
  auto p = fresh_params();
  Adam opt({{{p[0]}, 0.01}, {{p[1], p[2]}, 0.003}});
  CHECK_THAT(error_of<ValueError>([&] { opt.load_state(s); }), Contains("'0.params'"));
}

TEST_CASE("load_state names an unexpected scalar", "[optim]") {
  auto s = adam_state_after_one_step();
  s.scalars["0.momentum"] = 0.9;
  auto p = fresh_params();
  Adam opt(groups_of(p));
  CHECK_THAT(error_of<ValueError>([&] { opt.load_state(s); }), Contains("'0.momentum'"));
}

TEST_CASE("a refused state leaves the optimizer unchanged", "[optim]") {
  auto p = fresh_params();
  Adam opt(groups_of(p));
  run_steps(opt, p, 0, 2);
  const auto before = opt.state();
  auto bad = adam_state_after_one_step();
  bad.scalars["1.lr"] = 0.5;
  bad.tensors.back().second = Tensor::zeros({2});  // rejected after the scalars were read
  CHECK_THROWS_AS(opt.load_state(bad), ShapeError);
  const auto after = opt.state();
  CHECK(after.scalars == before.scalars);
  REQUIRE(after.tensors.size() == before.tensors.size());
  for (std::size_t i = 0; i < after.tensors.size(); ++i)
    CHECK(xgrad::core::equal(after.tensors[i].second, before.tensors[i].second));
}
