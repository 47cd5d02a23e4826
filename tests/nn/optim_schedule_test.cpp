// Learning-rate schedules against torch.optim.lr_scheduler (tests/fixtures/nn_optim.py):
// two groups starting at lr 0.1 and 0.05, their lrs after 0..20 schedule steps.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include "fixture.hpp"
#include "xgrad/nn/optim/schedule.hpp"
#include "xgrad/nn/optim/sgd.hpp"

using namespace xgrad::nn;
using Catch::Matchers::Contains;

namespace {

struct Setup {
  std::vector<Var> params{Var(Tensor::zeros({1}), true), Var(Tensor::zeros({1}), true)};
  SGD opt{std::vector<ParamGroup>{{{params[0]}, 0.1}, {{params[1]}, 0.05}}};
};

using MakeSchedule = std::function<std::unique_ptr<LrSchedule>(Optimizer&)>;

void check_against_torch(const std::string& name, const MakeSchedule& make) {
  const auto want = xgrad::test::fixture<double>("nn_optim.json", "schedule/" + name);
  Setup s;
  auto sched = make(s.opt);
  for (Index t = 0; t < want.size(0); ++t) {
    for (std::size_t g = 0; g < 2; ++g) {
      INFO(name << " step " << t << " group " << g);
      CHECK(s.opt.lr(g) == Approx(want.at({t, Index(g)})).epsilon(1e-12).margin(1e-15));
    }
    sched->step();
  }
}

template <class S, class Options>
MakeSchedule maker(Options o) {
  return [o](Optimizer& opt) { return std::make_unique<S>(opt, o); };
}

MakeSchedule warmup_then_cosine() {
  return [](Optimizer& opt) {
    auto cosine = std::make_unique<CosineAnnealingLR>(opt, CosineAnnealingLROptions{.t_max = 10, .eta_min = 0.001});
    return std::make_unique<LinearWarmup>(opt, LinearWarmupOptions{.steps = 5, .start_factor = 0.25}, std::move(cosine));
  };
}

}  // namespace

TEST_CASE("StepLR matches PyTorch", "[schedule]") {
  check_against_torch("step", maker<StepLR>(StepLROptions{.step_size = 3, .gamma = 0.5}));
}

TEST_CASE("ExponentialLR matches PyTorch", "[schedule]") {
  check_against_torch("exponential", maker<ExponentialLR>(ExponentialLROptions{.gamma = 0.9}));
}

TEST_CASE("CosineAnnealingLR matches PyTorch, past t_max too", "[schedule]") {
  check_against_torch("cosine", maker<CosineAnnealingLR>(CosineAnnealingLROptions{.t_max = 8, .eta_min = 0.001}));
}

TEST_CASE("LinearWarmup matches PyTorch's LinearLR", "[schedule]") {
  check_against_torch("warmup", maker<LinearWarmup>(LinearWarmupOptions{.steps = 5, .start_factor = 0.25}));
}

TEST_CASE("LinearWarmup chained to cosine annealing matches PyTorch's SequentialLR", "[schedule]") {
  check_against_torch("warmup_cosine", warmup_then_cosine());
}

TEST_CASE("a schedule restored from its state continues the same lrs", "[schedule]") {
  Setup a, b;
  auto straight = warmup_then_cosine()(a.opt);
  auto first = warmup_then_cosine()(b.opt);
  for (int t = 0; t < 7; ++t) first->step();
  const auto saved = first->state();
  CHECK(saved.at("step") == 7);
  CHECK(saved.at("1.base_lr") == 0.05);

  Setup c;
  auto resumed = warmup_then_cosine()(c.opt);
  resumed->load_state(saved);
  for (int t = 0; t < 7; ++t) straight->step();
  CHECK(c.opt.lr(0) == a.opt.lr(0));
  for (int t = 0; t < 5; ++t) {
    straight->step();
    resumed->step();
    CHECK(c.opt.lr(0) == a.opt.lr(0));
    CHECK(c.opt.lr(1) == a.opt.lr(1));
  }
}

TEST_CASE("a schedule's load_state names a missing or unexpected key", "[schedule]") {
  Setup s;
  StepLR sched(s.opt, {.step_size = 2});
  auto missing = sched.state();
  missing.erase("1.base_lr");
  CHECK_THROWS_WITH(sched.load_state(missing), Contains("'1.base_lr'"));
  auto extra = sched.state();
  extra["2.base_lr"] = 1;
  CHECK_THROWS_WITH(sched.load_state(extra), Contains("'2.base_lr'"));
  CHECK(sched.last_step() == 0);
}

TEST_CASE("schedules refuse bad options", "[schedule]") {
  Setup s;
  CHECK_THROWS_AS(StepLR(s.opt, {.step_size = 0}), xgrad::core::ValueError);
  CHECK_THROWS_AS(CosineAnnealingLR(s.opt, {.t_max = 0}), xgrad::core::ValueError);
  CHECK_THROWS_AS(LinearWarmup(s.opt, {.steps = 3, .start_factor = 0}), xgrad::core::ValueError);
  CHECK_THROWS_AS(LinearWarmup(s.opt, {.steps = 0}), xgrad::core::ValueError);
}

TEST_CASE("a chained schedule must drive the same optimizer", "[schedule]") {
  Setup a, b;
  auto other = std::make_unique<ExponentialLR>(b.opt, ExponentialLROptions{});
  CHECK_THROWS_WITH(LinearWarmup(a.opt, {.steps = 2}, std::move(other)), Contains("different optimizer"));
}
