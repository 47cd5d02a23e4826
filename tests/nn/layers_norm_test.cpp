#include <catch2/catch.hpp>

#include "layer_case.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/nn/layers/dropout.hpp"
#include "xgrad/nn/layers/norm.hpp"

using namespace xgrad;
using test::case_input;
using test::check_case;
using test::check_close;
using test::load_case;

TEST_CASE("LayerNorm over two trailing axes matches PyTorch, forward and gradients", "[layers]") {
  auto ln = nn::make<nn::LayerNorm>(nn::LayerNormOptions{.shape = {3, 4}});
  CHECK(ln->weight.shape() == nn::Shape{3, 4});
  load_case(*ln, "layer_norm");
  auto x = case_input("layer_norm");
  check_case("layer_norm", {{"y", ln->forward(x)}}, {{"x", x}}, *ln);
}

TEST_CASE("LayerNorm without affine parameters matches PyTorch", "[layers]") {
  auto ln = nn::make<nn::LayerNorm>(nn::LayerNormOptions{.shape = {4}, .affine = false});
  CHECK(ln->parameters().empty());
  auto x = case_input("layer_norm_plain");
  check_case("layer_norm_plain", {{"y", ln->forward(x)}}, {{"x", x}}, *ln);
}

TEST_CASE("LayerNorm over rows of 40, SIMD batches and a tail, matches PyTorch", "[layers]") {
  // The cases above (12 and 4 values a row) run only the kernels' scalar tails in float.
  auto ln = nn::make<nn::LayerNorm>(nn::LayerNormOptions{.shape = {40}});
  load_case(*ln, "layer_norm_wide");
  auto x = case_input("layer_norm_wide");
  check_case("layer_norm_wide", {{"y", ln->forward(x)}}, {{"x", x}}, *ln);
}

TEST_CASE("LayerNorm rejects an input that does not end in its shape", "[layers]") {
  nn::LayerNorm ln({.shape = {3, 4}});
  CHECK_THROWS_WITH(ln.forward(nn::Var(nn::Tensor::zeros({2, 4, 3}))),
                    "LayerNorm: input of shape (2, 4, 3) does not end in (3, 4)");
}

namespace {
// A training step (batch statistics, running update) and then eval (running statistics).
void check_batch_norm_case(nn::BatchNorm& bn, const std::string& name) {
  load_case(bn, name);
  auto x = case_input(name);
  bn.train();
  check_case(name, {{"y", bn.forward(x)}}, {{"x", x}}, bn);
  check_close(bn.running_mean.value(), name + ".after.running_mean");
  check_close(bn.running_var.value(), name + ".after.running_var");
  check_close(bn.num_batches_tracked.value(), name + ".after.num_batches_tracked");
  bn.eval();
  check_close(bn.forward(x).value(), name + ".y_eval");
}
}  // namespace

TEST_CASE("BatchNorm1d on (N, C) matches PyTorch in training, running statistics and eval", "[layers]") {
  nn::BatchNorm1d bn({.features = 3});
  check_batch_norm_case(bn, "batch_norm1d");
}

TEST_CASE("BatchNorm1d on (N, C, L) matches PyTorch in training, running statistics and eval", "[layers]") {
  nn::BatchNorm1d bn({.features = 3});
  check_batch_norm_case(bn, "batch_norm1d_ncl");
}

TEST_CASE("BatchNorm2d matches PyTorch in training, running statistics and eval", "[layers]") {
  nn::BatchNorm2d bn({.features = 3});
  check_batch_norm_case(bn, "batch_norm2d");
}

TEST_CASE("BatchNorm registers PyTorch's parameter and buffer names", "[layers]") {
  nn::BatchNorm2d bn({.features = 4});
  std::vector<std::string> keys;
  for (const auto& [k, v] : bn.state_dict()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK(bn.parameter_count() == 8);
}

TEST_CASE("BatchNorm in eval mode leaves its running statistics alone", "[layers]") {
  nn::BatchNorm1d bn({.features = 2});
  bn.eval();
  const nn::Var x(nn::Tensor({3, 2}, {1, 2, 3, 4, 5, 7}));
  const nn::Var y = bn.forward(x);
  CHECK(core::equal(bn.running_mean.value(), nn::Tensor::zeros({2})));
  CHECK(core::equal(bn.running_var.value(), nn::Tensor::ones({2})));
  // Fresh running statistics (mean 0, var 1) make eval almost the identity.
  CHECK(core::allclose(y.value(), x.value(), 1e-4, 1e-4));
  bn.train();
  bn.forward(x);
  CHECK(bn.running_mean.value().at({0}) == Approx(0.1 * 3));
}

TEST_CASE("BatchNorm rejects a wrong rank, channel count, or one value per channel in training", "[layers]") {
  nn::BatchNorm2d bn2({.features = 3});
  CHECK_THROWS_WITH(bn2.forward(nn::Var(nn::Tensor::zeros({2, 3, 4}))),
                    "BatchNorm2d: input of shape (2, 3, 4) is not (N, 3, H, W)");
  nn::BatchNorm1d bn1({.features = 3});
  CHECK_THROWS_WITH(bn1.forward(nn::Var(nn::Tensor::zeros({2, 4}))),
                    "BatchNorm1d: input of shape (2, 4) is not (N, 3) or (N, 3, L)");
  CHECK_THROWS_AS(bn1.forward(nn::Var(nn::Tensor::zeros({1, 3}))), core::ValueError);
  bn1.eval();
  CHECK(bn1.forward(nn::Var(nn::Tensor::zeros({1, 3}))).shape() == nn::Shape{1, 3});
}

TEST_CASE("Dropout in training zeroes about p of the elements and scales the rest by 1/(1-p)", "[layers]") {
  nn::Dropout drop({.p = 0.25f, .seed = 7});
  const nn::Var x(nn::Tensor::ones({100, 100}), true);
  const nn::Var y = drop.forward(x);
  core::Index zeros = 0;
  for (float v : y.value()) {
    if (v == 0.f)
      ++zeros;
    else
      REQUIRE(v == Approx(1.f / 0.75f));
  }
  CHECK(static_cast<double>(zeros) / 1e4 == Approx(0.25).margin(0.02));
  autograd::sum(y).backward();
  CHECK(core::equal(x.grad(), y.value()));  // the gradient goes through the same mask
}

TEST_CASE("Dropout in eval mode is the identity", "[layers]") {
  nn::Dropout drop({.p = 0.5f});
  drop.eval();
  const nn::Var x(core::normal<float>({4, 5}, 0.f, 1.f, drop.generator()));
  CHECK(core::equal(drop.forward(x).value(), x.value()));
}

TEST_CASE("Dropout masks are reproduced by the seed or the generator passed in", "[layers]") {
  const nn::Var x(nn::Tensor::ones({8, 8}));
  nn::Dropout a({.p = 0.5f, .seed = 3}), b({.p = 0.5f, .seed = 3}), c({.p = 0.5f, .seed = 4});
  CHECK(core::equal(a.forward(x).value(), b.forward(x).value()));
  CHECK_FALSE(core::equal(a.forward(x).value(), c.forward(x).value()));
  core::Generator g1(9), g2(9);
  nn::Dropout d({.p = 0.5f}, g1), e({.p = 0.5f}, g2);
  CHECK(core::equal(d.forward(x).value(), e.forward(x).value()));
  CHECK(&d.generator() == &g1);
  CHECK(g1.state() == g2.state());
}

TEST_CASE("Dropout rejects a probability below 0 or not below 1", "[layers]") {
  CHECK_THROWS_WITH(nn::Dropout({.p = 1.f}), "Dropout: probability 1 is outside [0, 1)");
  CHECK_THROWS_AS(nn::Dropout({.p = -0.1f}), core::ValueError);
}
