#include <catch2/catch.hpp>

#include "layer_case.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/nn.hpp"  // the umbrella header compiles on its own

using namespace xgrad;
using test::case_input;
using test::check_case;
using test::load_case;

namespace {
std::vector<std::string> names(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [n, v] : m.named_parameters()) out.push_back(n);
  return out;
}

void check_activation(nn::Layer& act, const std::string& name) {
  auto x = case_input("act_" + name);
  check_case("act_" + name, {{"y", act.forward(x)}}, {{"x", x}}, act);
}
}  // namespace

TEST_CASE("activation modules match PyTorch's, forward and gradients", "[layers]") {
  nn::ReLU relu;
  nn::Tanh tanh;
  nn::Sigmoid sigmoid;
  nn::Softplus softplus;
  nn::LeakyReLU leaky(0.2f);
  nn::ELU elu(0.5f);
  check_activation(relu, "relu");
  check_activation(tanh, "tanh");
  check_activation(sigmoid, "sigmoid");
  check_activation(softplus, "softplus");
  check_activation(leaky, "leaky_relu");
  check_activation(elu, "elu");
}

TEST_CASE("activate and make_activation apply the named function", "[layers]") {
  const nn::Var x(nn::Tensor({4}, {-2.f, -0.5f, 0.5f, 2.f}));
  for (auto a : {nn::Activation::Identity, nn::Activation::ReLU, nn::Activation::Tanh, nn::Activation::Sigmoid,
                 nn::Activation::LeakyReLU, nn::Activation::ELU, nn::Activation::Softplus})
    CHECK(core::equal(nn::activate(x, a).value(), nn::make_activation(a)->forward(x).value()));
  CHECK(core::equal(nn::activate(x, nn::Activation::Identity).value(), x.value()));
  CHECK(nn::activate(x, nn::Activation::ReLU).value().at({0}) == 0.f);
  CHECK(nn::activate(x, nn::Activation::LeakyReLU).value().at({0}) == Approx(-0.02f));
  CHECK(nn::activate(x, nn::Activation::Tanh).value().at({3}) == Approx(std::tanh(2.f)));
}

TEST_CASE("Sequential of Linear, Tanh, Linear matches PyTorch's nn.Sequential with its names", "[layers]") {
  core::Generator gen(1);
  auto net = nn::make<nn::Sequential>(nn::make<nn::Linear>(nn::LinearOptions{5, 6}, gen), nn::make<nn::Tanh>(),
                                      nn::make<nn::Linear>(nn::LinearOptions{6, 3}, gen));
  CHECK(names(*net) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(net->size() == 3);
  load_case(*net, "mlp");
  auto x = case_input("mlp");
  check_case("mlp", {{"y", net->forward(x)}}, {{"x", x}}, *net);
}

TEST_CASE("MLP builds the same Sequential from sizes and an activation", "[layers]") {
  core::Generator gen(1);
  auto mlp = nn::make<nn::MLP>(nn::MLPOptions{.sizes = {5, 6, 3}, .activation = nn::Activation::Tanh}, gen);
  CHECK(names(*mlp) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(mlp->describe() == "MLP(5 -> 6 -> 3)");
  CHECK((*mlp)[1]->describe() == "Tanh");
  load_case(*mlp, "mlp");
  auto x = case_input("mlp");
  check_case("mlp", {{"y", mlp->forward(x)}}, {{"x", x}}, *mlp);
}

TEST_CASE("MLP applies the activation after the last layer only when asked", "[layers]") {
  core::Generator gen(1);
  nn::MLP plain({.sizes = {784, 400, 20}}, gen);
  CHECK(plain.size() == 3);
  CHECK(plain.parameter_count() == 784 * 400 + 400 + 400 * 20 + 20);
  nn::MLP last({.sizes = {4, 3, 2}, .activation = nn::Activation::Sigmoid, .activate_last = true}, gen);
  CHECK(last.size() == 4);
  const nn::Tensor y = last.forward(nn::Var(core::normal<float>({5, 4}, 0.f, 3.f, gen))).value();
  for (float v : y) CHECK((v > 0.f && v < 1.f));
  CHECK_THROWS_AS(nn::MLP({.sizes = {4}}, gen), core::ValueError);
}

TEST_CASE("Sequential children are reachable by index and named by position", "[layers]") {
  core::Generator gen(1);
  nn::Sequential seq;
  CHECK(core::equal(seq.forward(nn::Var(nn::Tensor::ones({2}))).value(), nn::Tensor::ones({2})));
  seq.push_back(nn::make<nn::Linear>(nn::LinearOptions{2, 2}, gen));
  seq.push_back(nn::make<nn::ReLU>());
  REQUIRE(seq.named_children().size() == 2);
  CHECK(seq.named_children()[1].first == "1");
  CHECK(seq[1]->describe() == "ReLU");
  CHECK(seq.to_string() == "Sequential\n  0: Linear(2 -> 2)\n  1: ReLU");
  CHECK_THROWS(seq[2]);
}

TEST_CASE("eval on a Sequential reaches every layer", "[layers]") {
  core::Generator gen(1);
  auto seq = nn::make<nn::Sequential>(std::vector<std::shared_ptr<nn::Layer>>{
      nn::make<nn::Linear>(nn::LinearOptions{2, 2}, gen), nn::make<nn::ReLU>()});
  seq->eval();
  CHECK_FALSE(seq->is_training());
  CHECK_FALSE(seq->named_children()[0].second->is_training());
}

TEST_CASE("Flatten collapses all but the batch axis by default, and Unflatten undoes it", "[layers]") {
  const nn::Var x(core::Tensor<float>::arange(0.f, 24.f).reshape({2, 3, 2, 2}), true);
  nn::Flatten flatten;
  const nn::Var flat = flatten.forward(x);
  CHECK(flat.shape() == nn::Shape{2, 12});
  nn::Unflatten unflatten({.axis = 1, .sizes = {3, -1}});
  const nn::Var back = unflatten.forward(flat);
  CHECK(back.shape() == nn::Shape{2, 3, 4});
  CHECK(core::equal(back.value().reshape({2, 3, 2, 2}), x.value()));
  autograd::sum(back).backward();
  CHECK(core::equal(x.grad(), nn::Tensor::ones({2, 3, 2, 2})));
  CHECK(nn::Flatten({.start = 0, .end = 1}).forward(x).shape() == nn::Shape{6, 2, 2});
}

TEST_CASE("Unflatten rejects sizes that do not multiply to the axis", "[layers]") {
  nn::Unflatten unflatten({.axis = -1, .sizes = {5, 2}});
  CHECK_THROWS_WITH(unflatten.forward(nn::Var(nn::Tensor::zeros({2, 12}))),
                    "Unflatten: axis 1 of input shape (2, 12) (size 12) cannot become (5, 2)");
  CHECK_THROWS_AS(nn::Unflatten({.sizes = {-1, -1}}).forward(nn::Var(nn::Tensor::zeros({2, 12}))), core::ShapeError);
}

TEST_CASE("Sequential::forward_one_hot gives forward over the input with its one-hot labels appended",
          "[layers][linear_one_hot]") {
  core::Generator gen(3), data(4);
  nn::MLP mlp(nn::MLPOptions{.sizes = {6 + 3, 5, 4}}, gen);  // Linear, ReLU, Linear
  const nn::Tensor x = core::normal<float>(core::Shape{7, 6}, 0.f, 1.f, data);
  const core::IndexTensor labels(core::Shape{7}, {2, 0, 1, 2, 2, 0, 1});
  const auto run = [&](bool split) {
    mlp.zero_grad();
    nn::Var xv(x, true);
    const nn::Var y = split ? mlp.forward_one_hot(xv, labels)
                            : mlp.forward(autograd::concat<float>({xv, nn::Var(core::one_hot<float>(labels, 3))}, 1));
    autograd::sum(autograd::mul(y, y)).backward();
    std::vector<nn::Tensor> out{y.value(), xv.grad()};
    for (const auto& [n, p] : mlp.named_parameters()) out.push_back(p.grad());
    return out;
  };
  const auto split = run(true), joined = run(false);
  REQUIRE(split.size() == joined.size());
  for (std::size_t i = 0; i < split.size(); ++i) CHECK(core::allclose(split[i], joined[i], 1e-5, 1e-6));
  nn::Sequential no_linear(nn::make<nn::ReLU>());
  CHECK_THROWS_AS(no_linear.forward_one_hot(nn::Var(x), labels), core::ValueError);
}
