// The causal stack, key/value caching, positional encodings and dropout of the
// Transformer modules (PyTorch parity is in transformer_torch_test.cpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/transformer.hpp"

using namespace xgrad;

namespace {

nn::TransformerLayerOptions small(bool pre) {
  return {.d_model = 8, .nhead = 2, .dim_feedforward = 16, .dropout = 0.1f,
          .activation = pre ? nn::Activation::GELU : nn::Activation::ReLU, .norm_first = pre};
}

nn::Var random_input(core::Shape s, std::uint64_t seed) {
  core::Generator g(seed);
  return nn::Var(core::normal<float>(s, 0.f, 1.f, g));
}

}  // namespace

TEST_CASE("CausalTransformer: cached steps give the full causal forward's outputs", "[transformer]") {
  for (bool pre : {false, true}) {
    INFO("norm_first " << pre);
    core::Generator gen(3);
    nn::CausalTransformer net({.layer = small(pre), .num_layers = 2, .final_norm = pre}, gen);
    net.eval();
    const nn::Var x = random_input({2, 7, 8}, 4);
    const nn::Tensor full = net.forward(x).value();
    // One position at a time, then chunks of 3 and 2 after a first 2 (queries after cached keys).
    for (const std::vector<core::Index>& chunks : {std::vector<core::Index>(7, 1), std::vector<core::Index>{2, 3, 2}}) {
      auto cache = net.new_cache();
      core::Index at = 0;
      for (core::Index n : chunks) {
        const nn::Tensor y = net.step(autograd::slice(x, 1, at, at + n), cache).value();
        CHECK(cache[0].length() == at + n);
        CHECK(core::allclose(y, autograd::slice(nn::Var(full), 1, at, at + n).value(), 1e-5, 1e-5));
        at += n;
      }
    }
  }
}

TEST_CASE("TransformerDecoderLayer: cached steps give the causal forward's outputs", "[transformer]") {
  core::Generator gen(5);
  nn::TransformerDecoderLayer layer(small(true), gen);
  layer.eval();
  const nn::Var x = random_input({2, 5, 8}, 6), memory = random_input({2, 3, 8}, 7);
  nn::Masks causal;
  causal.causal = true;
  const nn::Tensor full = layer.forward(x, memory, causal).value();
  nn::Cache cache;
  for (core::Index t = 0; t < 5; ++t) {
    const nn::Tensor y = layer.forward_cached(autograd::slice(x, 1, t, t + 1), memory, cache).value();
    CHECK(core::allclose(y, autograd::slice(nn::Var(full), 1, t, t + 1).value(), 1e-5, 1e-5));
  }
}

TEST_CASE("CausalTransformer: an output does not depend on later positions", "[transformer]") {
  core::Generator gen(8);
  nn::CausalTransformer net({.layer = small(false), .num_layers = 2}, gen);
  net.eval();
  nn::Var x = random_input({1, 6, 8}, 9);
  const nn::Tensor a = net.forward(x).value();
  nn::Tensor changed = x.value();
  for (core::Index c = 0; c < 8; ++c) changed.at({0, 5, c}) += 3.f;
  const nn::Tensor b = net.forward(nn::Var(changed)).value();
  for (core::Index t = 0; t < 6; ++t)
    for (core::Index c = 0; c < 8; ++c) {
      if (t < 5) CHECK(a.at({0, t, c}) == b.at({0, t, c}));
      else CHECK(a.at({0, t, c}) != b.at({0, t, c}));
    }
}

TEST_CASE("Transformer layers: dropout in training draws from the generator, eval is deterministic", "[transformer]") {
  const nn::Var x = random_input({2, 5, 8}, 10);
  auto run = [&](std::uint64_t seed, bool train) {
    core::Generator gen(1);  // same weights
    nn::TransformerEncoderLayer layer(small(false), gen);
    layer.train(train);
    gen.manual_seed(seed);
    return layer.forward(x).value();
  };
  CHECK(core::equal(run(2, true), run(2, true)));
  CHECK_FALSE(core::equal(run(2, true), run(3, true)));
  CHECK(core::equal(run(2, false), run(3, false)));
  CHECK_FALSE(core::equal(run(2, true), run(2, false)));
}

TEST_CASE("Transformer layer training gives the same bits on 1 and 2 threads, dropout included", "[transformer]") {
  // Large enough that layer norm, dropout and attention split their work across threads.
  const nn::Var x = random_input({4, 64, 32}, 12);
  auto run = [&](int threads, bool pre) {
    core::set_num_threads(threads);
    core::Generator gen(1);
    nn::TransformerEncoderLayer layer({.d_model = 32, .nhead = 4, .dim_feedforward = 128, .dropout = 0.1f,
                                       .activation = pre ? nn::Activation::GELU : nn::Activation::ReLU,
                                       .norm_first = pre},
                                      gen);
    const nn::Var y = layer.forward(x);
    autograd::sum(y * y).backward();
    std::vector<core::Tensor<float>> out{y.value()};
    for (const auto& p : layer.parameters()) out.push_back(p.grad());
    core::set_num_threads(0);
    return out;
  };
  for (bool pre : {false, true}) {
    const auto one = run(1, pre), two = run(2, pre);
    for (std::size_t i = 0; i < one.size(); ++i) CHECK(core::equal(one[i], two[i]));
  }
}

TEST_CASE("SinusoidalPositionalEncoding adds sin/cos of the position at geometric frequencies", "[transformer]") {
  nn::SinusoidalPositionalEncoding pe(4, 10);
  const nn::Tensor y = pe.forward(nn::Var(nn::Tensor::zeros({1, 3, 4})), 2).value();
  for (core::Index t = 0; t < 3; ++t) {
    const double pos = static_cast<double>(t + 2);
    CHECK(y.at({0, t, 0}) == Approx(std::sin(pos)));
    CHECK(y.at({0, t, 1}) == Approx(std::cos(pos)));
    CHECK(y.at({0, t, 2}) == Approx(std::sin(pos / 100.0)));  // 10000^(2/4)
    CHECK(y.at({0, t, 3}) == Approx(std::cos(pos / 100.0)));
  }
  CHECK(pe.parameters().empty());
  CHECK_THROWS_WITH(pe.forward(nn::Var(nn::Tensor::zeros({1, 3, 4})), 8),
                    "SinusoidalPositionalEncoding: positions 8 .. 10 are outside [0, 10)");
  CHECK_THROWS_WITH(pe.forward(nn::Var(nn::Tensor::zeros({1, 3, 5}))),
                    "SinusoidalPositionalEncoding: input (1, 3, 5) must be (B, L, 4)");
}

TEST_CASE("LearnedPositionalEncoding adds its rows offset.. and gets their gradients only", "[transformer]") {
  core::Generator gen(4);
  nn::LearnedPositionalEncoding pe(3, 6, gen);
  const nn::Var x(nn::Tensor::zeros({2, 2, 3}));
  const nn::Var y = pe.forward(x, 1);
  CHECK(y.value().at({1, 1, 2}) == pe.weight.value().at({2, 2}));
  autograd::sum(y).backward();
  for (core::Index r = 0; r < 6; ++r) CHECK(pe.weight.grad().at({r, 0}) == (r == 1 || r == 2 ? 2.f : 0.f));
}

TEST_CASE("MultiheadAttention refuses bad sizes with one clear line", "[transformer]") {
  core::Generator gen(1);
  CHECK_THROWS_WITH(nn::MultiheadAttention({.embed_dim = 6, .num_heads = 4}, gen),
                    "MultiheadAttention: embed_dim 6 must be a positive multiple of num_heads 4");
  nn::MultiheadAttention mha({.embed_dim = 4, .num_heads = 2, .batch_first = true}, gen);
  const nn::Var q(nn::Tensor::zeros({2, 3, 4})), k(nn::Tensor::zeros({2, 3, 5}));
  CHECK_THROWS_WITH(mha.forward(q, k, k),
                    "MultiheadAttention: query (2, 3, 4), key (2, 3, 5) and value (2, 3, 5) must be (B, L, 4) and (B, S, 4)");
  nn::TransformerLayerOptions o = small(false);
  o.activation = nn::Activation::Tanh;
  CHECK_THROWS_WITH(nn::TransformerEncoderLayer(o, gen), "Transformer layer: the activation must be ReLU or GELU");
}

TEST_CASE("CausalTransformer names its parameters as PyTorch's ModuleList would", "[transformer]") {
  core::Generator gen(1);
  nn::CausalTransformer net({.layer = small(true), .num_layers = 2}, gen);
  const auto named = net.named_parameters();
  CHECK(named.front().first == "layers.0.self_attn.in_proj_weight");
  CHECK(named[12].first == "layers.1.self_attn.in_proj_weight");
  CHECK(named.back().first == "norm.bias");
  CHECK(named.size() == 2 * 12 + 2);
}
