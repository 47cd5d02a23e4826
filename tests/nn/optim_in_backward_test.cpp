// The optimizer step inside backward (Optimizers::backward_and_step, which
// StepContext::minimize uses in one process): the same bits as backward then step(),
// for parameters used twice, for two optimizers, with schedules; and the plain path
// when clipping needs every gradient first.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/train/trainer.hpp"

using namespace xgrad;
using nn::Var;

namespace {

// Two layers; fc1's weight is also in a penalty at the end of the graph (used twice),
// and `head` belongs to a second optimizer in the two-optimizer cases.
struct Net : nn::Module {
  std::shared_ptr<nn::Linear> fc1, fc2, head;
  explicit Net(core::Generator& gen) {
    fc1 = register_module("fc1", nn::make<nn::Linear>(nn::LinearOptions{6, 40}, gen));
    fc2 = register_module("fc2", nn::make<nn::Linear>(nn::LinearOptions{40, 3}, gen));
    head = register_module("head", nn::make<nn::Linear>(nn::LinearOptions{3, 2}, gen));
  }
  Var loss(const nn::Tensor& x, const nn::Tensor& y) {
    const Var h = fc2->forward(fc1->forward_relu(Var(x)));
    const Var penalty = autograd::mul(autograd::sum(autograd::mul(fc1->weight, fc1->weight)), 0.01f);
    return autograd::add(nn::mse(head->forward(h), y), penalty);
  }
  std::vector<Var> body() const {
    auto p = fc1->parameters(), q = fc2->parameters();
    p.insert(p.end(), q.begin(), q.end());
    return p;
  }
};

bool same_bits(const nn::Tensor& a, const nn::Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.numel()) == 0;
}

void check_same_state(const nn::Optimizer& a, const nn::Optimizer& b) {
  const nn::OptimizerState sa = a.state(), sb = b.state();
  CHECK(sa.scalars == sb.scalars);
  REQUIRE(sa.tensors.size() == sb.tensors.size());
  for (std::size_t k = 0; k < sa.tensors.size(); ++k) {
    INFO(sa.tensors[k].first);
    CHECK(sa.tensors[k].first == sb.tensors[k].first);
    CHECK(same_bits(sa.tensors[k].second, sb.tensors[k].second));
  }
}

// The same net trained `steps` steps through StepContext::minimize on optimizer "body",
// with the step inside backward (`fused`) or not. With `two`, "head" is a second optimizer
// that is never stepped: its parameters must keep the gradient of the last step.
struct Run {
  core::Generator gen{3};
  Net net{gen};
  nn::Optimizers optimizers;
  Run(const nn::OptimizerOptions& o, bool two, bool fused, int steps)
      : optimizers(specs(o, two)) {
    optimizers.set_step_in_backward(fused);
    core::Generator data(8);
    for (int s = 0; s < steps; ++s) {
      const nn::Tensor x = core::normal<float>({16, 6}, 0.f, 1.f, data), y = core::normal<float>({16, 2}, 0.f, 1.f, data);
      nn::StepContext ctx{gen, s, steps, net, optimizers};
      ctx.minimize(net.loss(x, y), "body");
    }
  }
  std::vector<nn::OptimizerSpec> specs(const nn::OptimizerOptions& o, bool two) {
    if (!two) return {{"body", {nn::ParamGroup{net.parameters(), o.lr}}, o}};
    return {{"body", {nn::ParamGroup{net.body(), o.lr}}, o}, {"head", {nn::ParamGroup{net.head->parameters(), o.lr}}, o}};
  }
};

void check_same_run(const nn::OptimizerOptions& o, bool two) {
  Run plain(o, two, false, 4), fused(o, two, true, 4);
  CHECK_FALSE(plain.optimizers.steps_in_backward("body"));
  CHECK(fused.optimizers.steps_in_backward("body"));
  const auto pp = plain.net.named_parameters(), fp = fused.net.named_parameters();
  REQUIRE(pp.size() == fp.size());
  for (std::size_t k = 0; k < pp.size(); ++k) {
    INFO(pp[k].first);
    CHECK(same_bits(pp[k].second.value(), fp[k].second.value()));
    CHECK(same_bits(pp[k].second.grad(), fp[k].second.grad()));
  }
  check_same_state(plain.optimizers.at("body"), fused.optimizers.at("body"));
  CHECK(plain.optimizers.at("body").lr() == fused.optimizers.at("body").lr());  // schedules advanced alike
  CHECK(fused.optimizers.at("body").steps() == 4);
}

}  // namespace

TEST_CASE("the step inside backward gives the plain step's bits", "[optim][in_backward]") {
  SECTION("Adam") { check_same_run({.type = "adam", .lr = 1e-2, .weight_decay = 1e-3}, false); }
  SECTION("AdamW with a schedule") { check_same_run({.type = "adamw", .lr = 1e-2, .lr_schedule = "exp:0.5"}, false); }
  SECTION("SGD with momentum") { check_same_run({.type = "sgd", .lr = 1e-2, .momentum = 0.9}, false); }
  SECTION("RMSprop") { check_same_run({.type = "rmsprop", .lr = 1e-3}, false); }
}

TEST_CASE("with two optimizers only the named one steps inside backward", "[optim][in_backward]") {
  for (const std::string type : {"adam", "adamw"}) {
    INFO(type);
    const nn::OptimizerOptions o{.type = type, .lr = 1e-2};
    check_same_run(o, true);
    // The other optimizer's parameters were not moved and hold their accumulated gradient.
    core::Generator gen(3);
    const Net untouched(gen);
    Run fused(o, true, true, 4);
    CHECK(same_bits(fused.net.head->weight.value(), untouched.head->weight.value()));
    CHECK(fused.net.head->weight.grad().defined());
    CHECK(fused.optimizers.at("head").steps() == 0);
    CHECK(fused.optimizers.at("head").state().tensors.empty());
  }
}

TEST_CASE("clipping takes the plain path, which clips before stepping", "[optim][in_backward]") {
  const nn::OptimizerOptions o{.type = "adam", .lr = 1e-2, .clip_norm = 1e-3};  // small: it clips every step
  Run fused(o, false, true, 3);
  CHECK_FALSE(fused.optimizers.steps_in_backward("body"));
  // What backward, clip, step gives; stepping inside backward (unclipped) would differ.
  Run plain(o, false, false, 3);
  const auto pp = plain.net.named_parameters(), fp = fused.net.named_parameters();
  for (std::size_t k = 0; k < pp.size(); ++k) CHECK(same_bits(pp[k].second.value(), fp[k].second.value()));
}

TEST_CASE("backward_and_step skips parameters without a gradient and steps a gradient left before",
          "[optim][in_backward]") {
  auto param = [](float v) { return Var(nn::Tensor({2}, {v, -v}), true); };
  for (bool fused : {false, true}) {
    INFO(fused);
    const Var used = param(1), idle = param(2), stale = param(3);
    nn::OptimizerOptions o{.type = "adam", .lr = 0.1};
    nn::Optimizers opts({{"adam", {nn::ParamGroup{{used, idle, stale}, 0.1}}, o}});
    opts.set_step_in_backward(fused);
    Var(stale).grad_mut() = nn::Tensor({2}, {0.5f, 0.5f});  // not reached by the loss
    opts.backward_and_step(autograd::sum(autograd::mul(used, used)));
    CHECK(idle.value().to_vector() == std::vector<float>{2, -2});
    CHECK(used.value().data()[0] == Approx(0.9));  // Adam's first step: lr * sign(g)
    CHECK(used.value().data()[1] == Approx(-0.9));
    CHECK(stale.value().data()[0] == Approx(2.9));
    CHECK(stale.value().data()[1] == Approx(-3.1));
    CHECK(opts.at().state().scalars.count("0.1.step") == 0);
    CHECK(opts.at().state().scalars.at("0.2.step") == 1);
  }
}
