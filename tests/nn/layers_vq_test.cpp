// The layers the VQ-VAE and its PixelCNN prior add: masked convolutions, the gated
// activation, the residual block — against PyTorch (tests/fixtures/nn_vq_layers.py)
// and, for the differentiable functions, against finite differences in double.
#include <catch2/catch.hpp>
#include <functional>

#include "layer_case.hpp"
#include "xgrad/autograd/autograd.hpp"
#include "xgrad/nn/layers/activation.hpp"
#include "xgrad/nn/layers/conv.hpp"
#include "xgrad/nn/layers/masked_conv.hpp"
#include "xgrad/nn/layers/residual.hpp"
#include "xgrad/nn/layers/sequential.hpp"

using namespace xgrad;
using autograd::Variable;
using test::case_input;
using test::check_case;
using test::load_case;

namespace {

const std::string kFile = "nn_vq_layers.json";

Variable<double> input(const core::Shape& shape, std::uint64_t seed) {
  core::Generator gen(seed);
  return Variable<double>(core::normal<double>(shape, 0.0, 1.0, gen), true);
}

bool gradients_match(const std::function<Variable<double>(const std::vector<Variable<double>>&)>& f,
                     const std::vector<Variable<double>>& inputs) {
  const autograd::GradcheckResult r = autograd::gradcheck(f, inputs);
  UNSCOPED_INFO(r.message);
  return r.ok;
}

void check_masked(const std::string& name, nn::MaskType type, const nn::Conv2dOptions& o) {
  core::Generator gen(1);
  auto conv = nn::make<nn::MaskedConv2d>(o, type, gen);
  load_case(*conv, name, kFile);
  auto x = case_input(name, "x", kFile);
  check_case(name, {{"y", conv->forward(x)}}, {{"x", x}}, *conv, kFile);
}

// What a fused forward is compared by: forward(x)'s value, x's gradient and every
// parameter's gradient of sum(forward(x) * w), and the op of the output's node.
struct Grads {
  std::vector<core::Tensor<float>> tensors;
  autograd::OpId op;
};

Grads grads_of(nn::Module& net, const core::Tensor<float>& x, const core::Tensor<float>& w,
               const std::function<nn::Var(const nn::Var&)>& forward) {
  net.zero_grad();
  nn::Var xv(x, true);
  const nn::Var y = forward(xv);
  autograd::sum(autograd::mul(y, nn::Var(w))).backward();
  Grads g{{y.value(), xv.grad()}, y.node()->op};
  for (const auto& [name, p] : net.named_parameters()) g.tensors.push_back(p.grad());
  return g;
}

}  // namespace

TEST_CASE("MaskedConv2d of type A and B matches PyTorch, forward and gradients", "[layers]") {
  check_masked("masked_conv_a", nn::MaskType::A, {.in = 2, .out = 3, .kernel = {5, 5}, .padding = {2, 2}});
  check_masked("masked_conv_b", nn::MaskType::B, {.in = 3, .out = 4, .kernel = {3, 3}, .padding = {1, 1}});
}

TEST_CASE("the causal mask keeps the taps before the centre, and the centre for type B only", "[layers]") {
  const auto a = nn::causal_mask<float>(3, 3, nn::MaskType::A), b = nn::causal_mask<float>(3, 3, nn::MaskType::B);
  CHECK(a.to_vector() == std::vector<float>{1, 1, 1, 1, 0, 0, 0, 0, 0});
  CHECK(b.to_vector() == std::vector<float>{1, 1, 1, 1, 1, 0, 0, 0, 0});
}

TEST_CASE("a stack of type A then B convolutions never sees the pixel it predicts or any after it", "[layers]") {
  core::Generator gen(3);
  nn::MaskedConv2d first({.in = 1, .out = 2, .kernel = {3, 3}, .padding = {1, 1}}, nn::MaskType::A, gen);
  nn::MaskedConv2d second({.in = 2, .out = 1, .kernel = {3, 3}, .padding = {1, 1}}, nn::MaskType::B, gen);
  const nn::Index side = 4, pos = 6;  // row 1, column 2
  nn::Var x(core::normal<float>({1, 1, side, side}, 0.0f, 1.0f, gen), true);
  nn::Var y = second.forward(first.forward(x));
  autograd::sum(autograd::slice(autograd::reshape(y, {side * side}), 0, pos, pos + 1)).backward();
  for (nn::Index i = 0; i < side * side; ++i) {
    INFO("input pixel " << i);
    if (i >= pos) CHECK(x.grad().data()[i] == 0.0f);
  }
  CHECK(x.grad().data()[pos - 1] != 0.0f);  // the pixel just before is seen
}

TEST_CASE("MaskedConv2d rejects a kernel or padding that would break the causal order", "[layers]") {
  core::Generator gen(1);
  CHECK_THROWS_AS(nn::MaskedConv2d({.in = 1, .out = 1, .kernel = {4, 4}, .padding = {2, 2}}, nn::MaskType::A, gen),
                  core::ValueError);
  CHECK_THROWS_AS(nn::MaskedConv2d({.in = 1, .out = 1, .kernel = {3, 3}, .padding = {0, 0}}, nn::MaskType::B, gen),
                  core::ValueError);
}

TEST_CASE("GatedActivation matches PyTorch and rejects an odd channel count", "[layers]") {
  auto gated = nn::make<nn::GatedActivation>();
  auto x = case_input("gated", "x", kFile);
  check_case("gated", {{"y", gated->forward(x)}}, {{"x", x}}, *gated, kFile);
  CHECK_THROWS_AS(gated->forward(nn::Var(nn::Tensor::zeros({1, 3, 2, 2}))), core::ShapeError);
}

TEST_CASE("ResidualBlock matches PyTorch, forward and gradients", "[layers]") {
  core::Generator gen(1);
  auto block = nn::make<nn::ResidualBlock>(nn::ResidualBlockOptions{.channels = 3, .hidden = 2}, gen);
  load_case(*block, "residual", kFile);
  auto x = case_input("residual", "x", kFile);
  check_case("residual", {{"y", block->forward(x)}}, {{"x", x}}, *block, kFile);
}

TEST_CASE("gradcheck: masked_conv2d in input, weight and bias", "[layers]") {
  const core::Tensor<double> mask = nn::causal_mask<double>(3, 3, nn::MaskType::A);
  core::Conv2dParams p;
  p.padding = {1, 1};
  CHECK(gradients_match([&](const auto& v) { return nn::masked_conv2d(v[0], v[1], v[2], mask, p); },
                        {input({2, 2, 4, 3}, 1), input({3, 2, 3, 3}, 2), input({3}, 3)}));
}

TEST_CASE("gradcheck: gated_activation over both halves of the channels", "[layers]") {
  CHECK(gradients_match([](const auto& v) { return nn::gated_activation(v[0]); }, {input({2, 4, 2, 3}, 4)}));
}

TEST_CASE("Sequential runs residual blocks in a row and the ReLU after them as one node", "[layers]") {
  core::Generator gen(3);
  const nn::ResidualBlockOptions o{.channels = 64, .hidden = 32};
  auto b0 = nn::make<nn::ResidualBlock>(o, gen), b1 = nn::make<nn::ResidualBlock>(o, gen);
  nn::Sequential seq(b0, b1, nn::make<nn::ReLU>());
  const core::Tensor<float> x = core::normal<float>({5, 64, 7, 7}, 0.f, 1.f, gen);
  const core::Tensor<float> w = core::normal<float>({5, 64, 7, 7}, 0.f, 1.f, gen);
  const auto [fused, op] = grads_of(seq, x, w, [&](const nn::Var& v) { return seq.forward(v); });
  const auto [apart, last] =
      grads_of(seq, x, w, [&](const nn::Var& v) { return autograd::relu(b1->forward(b0->forward(v))); });
  CHECK(op == autograd::OpId::residual_stack);
  CHECK(last == autograd::OpId::relu);
  REQUIRE(fused.size() == 2 + 8);
  for (std::size_t i = 0; i < fused.size(); ++i) {
    INFO("tensor " << i << " (the value, x's gradient, then the parameters')");
    CHECK(core::allclose(fused[i], apart[i], 1e-4, 1e-4));
  }
  CHECK(seq.named_parameters()[4].first == "1.conv3.weight");  // the names of a plain Sequential
}

TEST_CASE("Sequential runs a Conv2d, the residual blocks after it and the ReLU as one node", "[layers]") {
  core::Generator gen(4);
  auto conv = nn::make<nn::Conv2d>(
      nn::Conv2dOptions{.in = 32, .out = 64, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  const nn::ResidualBlockOptions o{.channels = 64, .hidden = 32};
  auto b0 = nn::make<nn::ResidualBlock>(o, gen), b1 = nn::make<nn::ResidualBlock>(o, gen);
  nn::Sequential seq(conv, b0, b1, nn::make<nn::ReLU>());
  const core::Tensor<float> x = core::normal<float>({5, 32, 14, 14}, 0.f, 1.f, gen);
  const core::Tensor<float> w = core::normal<float>({5, 64, 7, 7}, 0.f, 1.f, gen);
  const auto [fused, op] = grads_of(seq, x, w, [&](const nn::Var& v) { return seq.forward(v); });
  const auto [apart, last] =
      grads_of(seq, x, w, [&](const nn::Var& v) { return autograd::relu(b1->forward(b0->forward(conv->forward(v)))); });
  CHECK(op == autograd::OpId::residual_stack);
  REQUIRE(fused.size() == 2 + 2 + 8);
  for (std::size_t i = 0; i < fused.size(); ++i) {
    INFO("tensor " << i << " (the value, x's gradient, then the parameters')");
    CHECK(core::allclose(fused[i], apart[i], 1e-4, 1e-4));
  }
}

TEST_CASE("Sequential runs a Conv2d and ReLU (the head), the Conv2d, the blocks and the ReLU after them as one node",
          "[layers]") {
  core::Generator gen(6);
  auto first = nn::make<nn::Conv2d>(
      nn::Conv2dOptions{.in = 1, .out = 32, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  auto conv = nn::make<nn::Conv2d>(
      nn::Conv2dOptions{.in = 32, .out = 64, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  const nn::ResidualBlockOptions o{.channels = 64, .hidden = 32};
  auto b0 = nn::make<nn::ResidualBlock>(o, gen), b1 = nn::make<nn::ResidualBlock>(o, gen);
  nn::Sequential seq(first, nn::make<nn::ReLU>(), conv, b0, b1, nn::make<nn::ReLU>());
  const core::Tensor<float> x = core::uniform<float>({5, 1, 28, 28}, 0.f, 1.f, gen);
  const core::Tensor<float> w = core::normal<float>({5, 64, 7, 7}, 0.f, 1.f, gen);
  const nn::Var y = seq.forward(nn::Var(x));
  CHECK(y.node()->op == autograd::OpId::residual_stack);
  CHECK(y.node()->num_parents() == 1 + 2 + 2 + 8);  // x, the stem's, the head's, the blocks'
  const auto [fused, op] = grads_of(seq, x, w, [&](const nn::Var& v) { return seq.forward(v); });
  const auto [apart, last] = grads_of(seq, x, w, [&](const nn::Var& v) {
    return autograd::relu(b1->forward(b0->forward(conv->forward(autograd::relu(first->forward(v))))));
  });
  REQUIRE(fused.size() == 2 + 2 + 2 + 8);
  for (std::size_t i = 0; i < fused.size(); ++i) {
    INFO("tensor " << i << " (the value, x's gradient, then the parameters')");
    CHECK(core::allclose(fused[i], apart[i], 1e-4, 1e-4));
  }
}

TEST_CASE("Sequential::forward_rows is forward permuted to rows; a last 1x1 Conv2d after the blocks is a Linear",
          "[layers]") {
  core::Generator gen(5);
  auto conv = nn::make<nn::Conv2d>(
      nn::Conv2dOptions{.in = 32, .out = 64, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  const nn::ResidualBlockOptions o{.channels = 64, .hidden = 32};
  auto b0 = nn::make<nn::ResidualBlock>(o, gen), b1 = nn::make<nn::ResidualBlock>(o, gen);
  auto head = nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 64, .out = 16, .kernel = {1, 1}}, gen);
  auto head3 = nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 64, .out = 16, .kernel = {3, 3}, .padding = {1, 1}}, gen);
  const core::Tensor<float> x = core::normal<float>({5, 32, 14, 14}, 0.f, 1.f, gen);
  const core::Tensor<float> w = core::normal<float>({5 * 49, 16}, 0.f, 1.f, gen);
  nn::Sequential fused(conv, b0, b1, nn::make<nn::ReLU>(), head);
  CHECK(fused.forward_rows(nn::Var(x)).node()->op == autograd::OpId::linear);
  // A 1x1 head (the linear on rows) and a 3x3 one (forward, then the permute).
  for (const auto& last : {head, head3}) {
    nn::Sequential seq(conv, b0, b1, nn::make<nn::ReLU>(), last);
    const auto grads = [&](const std::function<nn::Var(const nn::Var&)>& forward) {
      return grads_of(seq, x, w, forward).tensors;
    };
    const auto rows = grads([&](const nn::Var& v) { return seq.forward_rows(v); });
    const auto want = grads([&](const nn::Var& v) {
      const nn::Var y = seq.forward(v);
      return autograd::reshape(autograd::permute(y, {0, 2, 3, 1}), {5 * 49, 16});
    });
    REQUIRE(rows.size() == 2 + 2 + 8 + 2);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      INFO("head " << last->weight.size(2) << "x" << last->weight.size(3) << ", tensor " << i
                   << " (the rows, x's gradient, then the parameters')");
      CHECK(core::allclose(rows[i], want[i], 1e-4, 1e-4));
    }
  }
}

TEST_CASE("Sequential::forward_rows of a run of blocks with nothing after it is the run's own rows", "[layers]") {
  core::Generator gen(9);
  auto conv = nn::make<nn::Conv2d>(
      nn::Conv2dOptions{.in = 32, .out = 64, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  const nn::ResidualBlockOptions o{.channels = 64, .hidden = 32};
  nn::Sequential seq(conv, nn::make<nn::ResidualBlock>(o, gen), nn::make<nn::ReLU>());
  const core::Tensor<float> x = core::normal<float>({3, 32, 14, 14}, 0.f, 1.f, gen);
  const core::Tensor<float> w = core::normal<float>({3 * 49, 64}, 0.f, 1.f, gen);
  const auto rows = grads_of(seq, x, w, [&](const nn::Var& v) { return seq.forward_rows(v); }).tensors;
  const auto want = grads_of(seq, x, w, [&](const nn::Var& v) {
    return autograd::reshape(autograd::permute(seq.forward(v), {0, 2, 3, 1}), {3 * 49, 64});
  }).tensors;
  REQUIRE(rows.size() == want.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("tensor " << i << " (the rows, x's gradient, then the parameters')");
    CHECK(core::allclose(rows[i], want[i], 1e-4, 1e-4));
  }
}

TEST_CASE("Sequential::forward_from_rows is forward of the rows' grid; a stem before the blocks reads the rows",
          "[layers]") {
  core::Generator gen(6);
  auto stem = nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 16, .out = 64, .kernel = {3, 3}, .padding = {1, 1}}, gen);
  const nn::ResidualBlockOptions o{.channels = 64, .hidden = 32};
  auto b0 = nn::make<nn::ResidualBlock>(o, gen), b1 = nn::make<nn::ResidualBlock>(o, gen);
  auto relu = nn::make<nn::ReLU>();
  const core::Tensor<float> rows = core::normal<float>({5 * 49, 16}, 0.f, 1.f, gen);
  const core::Tensor<float> w = core::normal<float>({5, 64, 7, 7}, 0.f, 1.f, gen);
  // The stem fused (reading rows), and a ReLU first (the rows permuted to NCHW).
  for (bool fused : {true, false}) {
    auto seq = fused ? nn::make<nn::Sequential>(stem, b0, b1, relu) : nn::make<nn::Sequential>(relu, stem, b0, b1);
    const auto grads = [&](const std::function<nn::Var(const nn::Var&)>& forward) {
      return grads_of(*seq, rows, w, forward).tensors;
    };
    const auto got = grads([&](const nn::Var& r) { return seq->forward_from_rows(r, 7, 7); });
    const auto want = grads([&](const nn::Var& r) {
      return seq->forward(autograd::permute(autograd::reshape(r, {5, 7, 7, 16}), {0, 3, 1, 2}));
    });
    REQUIRE(got.size() == 2 + 2 + 8);
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("stem fused " << fused << ", tensor " << i << " (the value, the rows' gradient, then the parameters')");
      CHECK(core::allclose(got[i], want[i], 1e-4, 1e-4));
    }
  }
  nn::Sequential seq(stem, b0, b1);
  CHECK_THROWS_AS(seq.forward_from_rows(nn::Var(rows), 6, 7), core::ShapeError);
}

TEST_CASE("Sequential runs a ConvTranspose2d and ReLU after a run's ReLU (the tail), and the ConvTranspose2d after "
          "them (the last), in the run's node", "[layers]") {
  // The VQ-VAE decoder: a stem reading rows, two blocks, ReLU, deconv 64 -> 32, ReLU, deconv 32 -> 1.
  core::Generator gen(8);
  auto stem = nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 16, .out = 64, .kernel = {3, 3}, .padding = {1, 1}}, gen);
  const nn::ResidualBlockOptions o{.channels = 64, .hidden = 32};
  auto b0 = nn::make<nn::ResidualBlock>(o, gen), b1 = nn::make<nn::ResidualBlock>(o, gen);
  const auto deconv = [&](core::Index in, core::Index out) {
    return nn::make<nn::ConvTranspose2d>(
        nn::ConvTranspose2dOptions{.in = in, .out = out, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  };
  auto d0 = deconv(64, 32), d1 = deconv(32, 1);
  nn::Sequential seq(stem, b0, b1, nn::make<nn::ReLU>(), d0, nn::make<nn::ReLU>(), d1);
  const core::Tensor<float> rows = core::normal<float>({5 * 49, 16}, 0.f, 1.f, gen);
  const core::Tensor<float> w = core::normal<float>({5, 1, 28, 28}, 0.f, 1.f, gen);
  const nn::Var y = seq.forward_from_rows(nn::Var(rows), 7, 7);
  REQUIRE(y.node()->op == autograd::OpId::residual_stack);
  CHECK(y.node()->num_parents() == 1 + 2 + 2 + 2 + 8);  // the rows, the stem's, the tail's, the last's, the blocks'
  const auto got = grads_of(seq, rows, w, [&](const nn::Var& r) { return seq.forward_from_rows(r, 7, 7); }).tensors;
  const auto want = grads_of(seq, rows, w, [&](const nn::Var& r) {
    const nn::Var x = autograd::permute(autograd::reshape(r, {5, 7, 7, 16}), {0, 3, 1, 2});
    const nn::Var h = autograd::relu(b1->forward(b0->forward(stem->forward(x))));
    return d1->forward(autograd::relu(d0->forward(h)));
  }).tensors;
  REQUIRE(got.size() == 2 + 2 + 8 + 4);
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("tensor " << i << " (the value, the rows' gradient, then the parameters')");
    CHECK(core::allclose(got[i], want[i], 1e-4, 1e-4));
  }
}
