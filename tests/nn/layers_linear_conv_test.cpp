#include <catch2/catch.hpp>

#include "layer_case.hpp"
#include "xgrad/nn/layers/conv.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/linear.hpp"

using namespace xgrad;
using test::case_input;
using test::check_case;
using test::load_case;

TEST_CASE("Linear matches PyTorch on a 3-d input, forward and gradients", "[layers]") {
  core::Generator gen(1);
  auto fc = nn::make<nn::Linear>(nn::LinearOptions{.in = 5, .out = 4}, gen);
  load_case(*fc, "linear");
  auto x = case_input("linear");
  check_case("linear", {{"y", fc->forward(x)}}, {{"x", x}}, *fc);
}

TEST_CASE("Linear without bias matches PyTorch and has only a weight", "[layers]") {
  core::Generator gen(1);
  auto fc = nn::make<nn::Linear>(nn::LinearOptions{.in = 5, .out = 4, .bias = false}, gen);
  CHECK(fc->named_parameters().size() == 1);
  CHECK_FALSE(fc->bias.defined());
  load_case(*fc, "linear_nobias");
  auto x = case_input("linear_nobias");
  check_case("linear_nobias", {{"y", (*fc)(x)}}, {{"x", x}}, *fc);
}

TEST_CASE("Linear names its parameters weight and bias with PyTorch's shapes", "[layers]") {
  core::Generator gen(1);
  nn::Linear fc({.in = 784, .out = 400}, gen);
  const auto params = fc.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "weight");
  CHECK(params[0].second.shape() == nn::Shape{400, 784});
  CHECK(params[1].first == "bias");
  CHECK(params[1].second.shape() == nn::Shape{400});
  CHECK(fc.describe() == "Linear(784 -> 400)");
}

TEST_CASE("Linear rejects an input whose last axis is not in_features", "[layers]") {
  core::Generator gen(1);
  nn::Linear fc({.in = 4, .out = 2}, gen);
  CHECK_THROWS_WITH(fc.forward(nn::Var(nn::Tensor::zeros({3, 5}))),
                    "Linear: input of shape (3, 5) does not end in in_features 4");
  CHECK_THROWS_AS(nn::Linear({.in = 0, .out = 2}, gen), core::ValueError);
}

TEST_CASE("the same seed gives the same Linear, another seed another", "[layers]") {
  core::Generator g1(42), g2(42), g3(43);
  nn::Linear a({.in = 6, .out = 3}, g1), b({.in = 6, .out = 3}, g2), c({.in = 6, .out = 3}, g3);
  CHECK(core::equal(a.weight.value(), b.weight.value()));
  CHECK(core::equal(a.bias.value(), b.bias.value()));
  CHECK_FALSE(core::equal(a.weight.value(), c.weight.value()));
}

TEST_CASE("Conv2d matches PyTorch with stride and padding, forward and gradients", "[layers]") {
  core::Generator gen(1);
  auto conv = nn::make<nn::Conv2d>(
      nn::Conv2dOptions{.in = 2, .out = 3, .kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 1}}, gen);
  CHECK(conv->weight.shape() == nn::Shape{3, 2, 3, 2});
  load_case(*conv, "conv2d");
  auto x = case_input("conv2d");
  check_case("conv2d", {{"y", conv->forward(x)}}, {{"x", x}}, *conv);
}

TEST_CASE("Conv2d rejects an input that is not (N, in, H, W)", "[layers]") {
  core::Generator gen(1);
  nn::Conv2d conv({.in = 2, .out = 3}, gen);
  CHECK_THROWS_WITH(conv.forward(nn::Var(nn::Tensor::zeros({1, 3, 5, 5}))),
                    "Conv2d: input of shape (1, 3, 5, 5) is not (N, 2, H, W)");
  CHECK_THROWS_AS(conv.forward(nn::Var(nn::Tensor::zeros({2, 5, 5}))), core::ShapeError);
  CHECK_THROWS_AS(nn::Conv2d({.in = 2, .out = 3, .stride = {0, 1}}, gen), core::ValueError);
}

TEST_CASE("ConvTranspose2d matches PyTorch with output padding, forward and gradients", "[layers]") {
  core::Generator gen(1);
  auto deconv = nn::make<nn::ConvTranspose2d>(
      nn::ConvTranspose2dOptions{.in = 3, .out = 2, .stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}},
      gen);
  CHECK(deconv->weight.shape() == nn::Shape{3, 2, 3, 3});
  load_case(*deconv, "conv_transpose2d");
  auto x = case_input("conv_transpose2d");
  check_case("conv_transpose2d", {{"y", deconv->forward(x)}}, {{"x", x}}, *deconv);
}

TEST_CASE("ConvTranspose2d rejects an output padding not below stride or dilation", "[layers]") {
  core::Generator gen(1);
  CHECK_THROWS_AS(nn::ConvTranspose2d({.in = 1, .out = 1, .stride = {2, 2}, .output_padding = {2, 0}}, gen),
                  core::ValueError);
}

TEST_CASE("Embedding matches PyTorch, with repeated indices accumulating gradient", "[layers]") {
  core::Generator gen(1);
  auto emb = nn::make<nn::Embedding>(nn::EmbeddingOptions{.num = 7, .dim = 4}, gen);
  load_case(*emb, "embedding");
  const core::IndexTensor idx = xgrad::test::fixture<core::Index>("nn_layers.json", "embedding.x");
  nn::Var y = emb->forward(idx);
  CHECK(y.shape() == nn::Shape{2, 3, 4});
  check_case("embedding", {{"y", y}}, {}, *emb);
}

TEST_CASE("Embedding rejects an index outside the table", "[layers]") {
  core::Generator gen(1);
  nn::Embedding emb({.num = 3, .dim = 2}, gen);
  CHECK_THROWS_WITH(emb.forward(core::IndexTensor({2}, {0, 3})), "Embedding: index 3 is outside [0, 3)");
}
