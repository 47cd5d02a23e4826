// Optimizer construction and bookkeeping: options are checked, groups keep their
// own lr, and parameters without a gradient are left alone.
#include <catch2/catch.hpp>

#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/optim/rmsprop.hpp"
#include "xgrad/nn/optim/sgd.hpp"

using namespace xgrad::nn;
using Catch::Matchers::Contains;
using xgrad::core::ShapeError;
using xgrad::core::ValueError;

namespace {

Var param(std::initializer_list<float> values) {
  return Var(Tensor({static_cast<Index>(values.size())}, values), true);
}

template <class F>
std::string value_error_of(F&& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("optimizers refuse out-of-range hyperparameters, naming them", "[optim]") {
  const std::vector<Var> p{param({1})};
  CHECK_THAT(value_error_of([&] { Adam(p, {.beta1 = 1.0}); }), Contains("beta1"));
  CHECK_THAT(value_error_of([&] { Adam(p, {.beta2 = -0.1}); }), Contains("beta2"));
  CHECK_THAT(value_error_of([&] { AdamW(p, {.eps = -1}); }), Contains("AdamW") && Contains("eps"));
  CHECK_THAT(value_error_of([&] { SGD(p, {.lr = -1}); }), Contains("lr"));
  CHECK_THAT(value_error_of([&] { SGD(p, {.nesterov = true}); }), Contains("nesterov"));
  CHECK_THAT(value_error_of([&] { SGD(p, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}); }),
             Contains("dampening"));
  CHECK_THAT(value_error_of([&] { RMSprop(p, {.alpha = 1.5}); }), Contains("alpha"));
  CHECK_THAT(value_error_of([&] { RMSprop(p, {.momentum = -0.5}); }), Contains("momentum"));
}

TEST_CASE("an optimizer needs parameters, each listed once", "[optim]") {
  const Var a = param({1}), b = param({2});
  CHECK_THAT(value_error_of([&] { SGD(std::vector<Var>{}); }), Contains("no parameters"));
  CHECK_THAT(value_error_of([&] { SGD(std::vector<ParamGroup>{{{a, b}, 0.1}, {{a}, 0.2}}); }),
             Contains("1.0") && Contains("more than once"));
  CHECK_THAT(value_error_of([&] { SGD(std::vector<Var>{a, Var()}); }), Contains("0.1") && Contains("undefined"));
}

TEST_CASE("the params constructor makes one group with the options lr", "[optim]") {
  Adam opt(std::vector<Var>{param({1}), param({2})}, {.lr = 0.25});
  REQUIRE(opt.groups().size() == 1);
  CHECK(opt.groups()[0].params.size() == 2);
  CHECK(opt.lr() == 0.25);
}

TEST_CASE("each group steps with its own learning rate", "[optim]") {
  Var a = param({1, 1}), b = param({1, 1});
  SGD opt(std::vector<ParamGroup>{{{a}, 0.5}, {{b}, 0.25}});
  a.grad_mut() = Tensor({2}, {1, 2});
  b.grad_mut() = Tensor({2}, {1, 2});
  opt.step();
  CHECK(a.value().to_vector() == std::vector<float>{0.5f, 0.f});
  CHECK(b.value().to_vector() == std::vector<float>{0.75f, 0.5f});
}

TEST_CASE("set_lr sets every group's learning rate", "[optim]") {
  SGD opt(std::vector<ParamGroup>{{{param({1})}, 0.5}, {{param({1})}, 0.25}});
  opt.set_lr(0.125);
  CHECK(opt.lr(0) == 0.125);
  CHECK(opt.lr(1) == 0.125);
  CHECK_THROWS_AS(opt.set_lr(-1), ValueError);
}

TEST_CASE("a parameter without a gradient is not updated", "[optim]") {
  Var a = param({1, 2}), b = param({3, 4});
  Adam opt(std::vector<Var>{a, b}, {.lr = 0.1});
  a.grad_mut() = Tensor({2}, {1, 1});
  opt.step();
  CHECK(b.value().to_vector() == std::vector<float>{3, 4});
  CHECK(a.value().to_vector() != std::vector<float>{1, 2});
}

TEST_CASE("zero_grad forgets every gradient", "[optim]") {
  Var a = param({1}), b = param({2});
  SGD opt(std::vector<ParamGroup>{{{a}, 0.1}, {{b}, 0.1}});
  a.grad_mut() = Tensor({1}, {1});
  b.grad_mut() = Tensor({1}, {1});
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("a gradient of the wrong shape is an error naming the parameter, before any update", "[optim]") {
  Var good = param({1, 2}), bad = param({1, 2});
  RMSprop opt(std::vector<Var>{good, bad});
  good.grad_mut() = Tensor({2}, {1, 1});
  bad.grad_mut() = Tensor({3}, {1, 1, 1});
  try {
    opt.step();
    FAIL("no error");
  } catch (const ShapeError& e) {
    CHECK_THAT(e.what(), Contains("RMSprop") && Contains("0.1") && Contains("(3)"));
  }
  CHECK(good.value().to_vector() == std::vector<float>{1, 2});
}

TEST_CASE("Adam's first step moves each element by about lr", "[optim]") {
  // With bias correction, m / sqrt(v) = g / |g| on the first step.
  Var a = param({1, -1, 0.5});
  Adam opt(std::vector<Var>{a}, {.lr = 0.01});
  a.grad_mut() = Tensor({3}, {3, -0.2f, 1e-3f});
  opt.step();
  CHECK(a.value().to_vector()[0] == Approx(0.99).epsilon(1e-6));
  CHECK(a.value().to_vector()[1] == Approx(-0.99).epsilon(1e-6));
  CHECK(a.value().to_vector()[2] == Approx(0.49).epsilon(1e-4));
}

TEST_CASE("each optimizer names itself", "[optim]") {
  const std::vector<Var> p{param({1})};
  CHECK(std::string(SGD(p).name()) == "SGD");
  CHECK(std::string(Adam(p).name()) == "Adam");
  CHECK(std::string(AdamW(p).name()) == "AdamW");
  CHECK(std::string(RMSprop(p).name()) == "RMSprop");
}
