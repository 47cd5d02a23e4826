// MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer and GELU against
// PyTorch (tests/fixtures/nn_transformer.py): in float64 through the functional forms the
// modules call, to 1e-10, forward and gradients of inputs and parameters, masks included;
// and through the float modules (PyTorch's state_dict names, batch_first) to float precision.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "fixture.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/nn/layers/attention.hpp"
#include "xgrad/nn/layers/transformer.hpp"

using namespace xgrad;
using D = autograd::Variable<double>;
using T64 = core::Tensor<double>;

namespace {

const char* kFile = "nn_transformer.json";
bool has(const std::string& key) { return test::fixture_file(kFile).contains(key); }
T64 torch_ref(const std::string& key) { return test::fixture<double>(kFile, key); }

// Leaf parameters in double, by PyTorch name, remembered for the gradient check.
struct Params {
  std::string name;
  std::vector<std::pair<std::string, D>> all;
  D operator()(const std::string& key) {
    const std::string full = name + ".param." + key;
    if (!has(full)) return {};
    all.emplace_back(key, D(torch_ref(full), true));
    return all.back().second;
  }
  nn::MhaParams<double> mha(const std::string& p) {
    return {(*this)(p + "in_proj_weight"), (*this)(p + "in_proj_bias"), (*this)(p + "out_proj.weight"),
            (*this)(p + "out_proj.bias")};
  }
  nn::FeedForwardParams<double> ff() {
    return {(*this)("linear1.weight"), (*this)("linear1.bias"), (*this)("linear2.weight"), (*this)("linear2.bias")};
  }
  nn::LayerNormParams<double> norm(const std::string& n) { return {(*this)(n + ".weight"), (*this)(n + ".bias")}; }
};

nn::AttentionMasks<double> masks_of(const std::string& name, const std::string& padding = "key_padding") {
  nn::AttentionMasks<double> m;
  if (has(name + "." + padding)) m.key_padding = torch_ref(name + "." + padding);
  if (has(name + ".attn_mask")) m.attn_mask = torch_ref(name + ".attn_mask");
  return m;
}

void check(const T64& actual, const std::string& key, double tol = 1e-10) {
  INFO(key);
  CHECK(core::allclose(actual, torch_ref(key), tol, tol));
}

// Backpropagates sum(y * w) and compares y and every gradient with PyTorch's.
void check_double(const std::string& name, const D& y, const std::vector<std::pair<std::string, D>>& inputs,
                  const Params& params) {
  check(y.value(), name + ".y");
  autograd::sum(y * D(torch_ref(name + ".w.y"))).backward();
  for (const auto& [k, x] : inputs) check(x.grad(), name + ".grad." + k);
  for (const auto& [k, p] : params.all) check(p.grad(), name + ".grad." + k);
}

D input(const std::string& name, const std::string& key) { return D(torch_ref(name + "." + key), true); }

nn::TransformerLayerConfig layer_config(bool pre_gelu) {
  return {.heads = 2, .eps = 1e-5, .norm_first = pre_gelu,
          .activation = pre_gelu ? nn::Activation::GELU : nn::Activation::ReLU};
}

}  // namespace

TEST_CASE("multi_head_attention matches torch.nn.MultiheadAttention in float64 to 1e-10", "[transformer]") {
  struct Case {
    std::string name;
    core::Index heads;
    bool causal, self;
  };
  for (const Case& c : {Case{"mha_self", 2, false, true}, Case{"mha_cross", 4, false, false},
                        Case{"mha_nobias_3d_mask", 2, false, true}}) {
    INFO(c.name);
    Params p{c.name, {}};
    const nn::MhaParams<double> w = p.mha("");
    const D q = input(c.name, "query");
    std::vector<std::pair<std::string, D>> inputs{{"query", q}};
    D k = q, v = q;
    if (!c.self) inputs.emplace_back("key", k = input(c.name, "key")), inputs.emplace_back("value", v = input(c.name, "value"));
    const D y = nn::multi_head_attention(q, k, v, w, c.heads, masks_of(c.name), {});
    check_double(c.name, y, inputs, p);
  }
}

TEST_CASE("encoder_layer matches torch.nn.TransformerEncoderLayer in float64 (post-norm ReLU, pre-norm GELU)",
          "[transformer]") {
  for (bool pre_gelu : {false, true}) {
    const std::string name = pre_gelu ? "enc_pre_gelu" : "enc_post_relu";
    INFO(name);
    Params p{name, {}};
    const nn::EncoderLayerParams<double> w{p.mha("self_attn."), p.ff(), p.norm("norm1"), p.norm("norm2")};
    nn::AttentionMasks<double> masks = masks_of(name);
    masks.causal = true;  // PyTorch's src_mask is the (5, 5) upper triangle
    const D x = input(name, "x");
    check_double(name, nn::encoder_layer(x, w, layer_config(pre_gelu), masks, {}), {{"x", x}}, p);
  }
}

TEST_CASE("decoder_layer matches torch.nn.TransformerDecoderLayer in float64 (post-norm ReLU, pre-norm GELU)",
          "[transformer]") {
  for (bool pre_gelu : {false, true}) {
    const std::string name = pre_gelu ? "dec_pre_gelu" : "dec_post_relu";
    INFO(name);
    Params p{name, {}};
    const nn::DecoderLayerParams<double> w{p.mha("self_attn."), p.mha("multihead_attn."), p.ff(),
                                           p.norm("norm1"),     p.norm("norm2"),          p.norm("norm3")};
    nn::AttentionMasks<double> self_masks;
    self_masks.causal = true;
    const D x = input(name, "x"), memory = input(name, "memory");
    const D y = nn::decoder_layer(x, memory, w, layer_config(pre_gelu), self_masks,
                                  masks_of(name, "memory_key_padding"), {});
    check_double(name, y, {{"x", x}, {"memory", memory}}, p);
  }
}

TEST_CASE("gelu matches torch.nn.GELU in float64", "[transformer]") {
  const D x = input("gelu", "x");
  const D y = autograd::gelu(x);
  check(y.value(), "gelu.y", 1e-14);
  autograd::sum(y * D(torch_ref("gelu.w.y"))).backward();
  check(x.grad(), "gelu.grad.x", 1e-14);
}

namespace {

nn::Tensor torch_ref32(const std::string& key) { return test::fixture<float>(kFile, key); }

void load(nn::Module& m, const std::string& name) {
  nn::StateDict state;
  for (const auto& [key, value] : m.state_dict()) state.emplace_back(key, torch_ref32(name + ".param." + key));
  m.load_state_dict(state);
}

void check_float(const std::string& name, const nn::Var& y, const std::vector<std::pair<std::string, nn::Var>>& inputs,
                 const nn::Module& m) {
  auto close = [](const nn::Tensor& a, const std::string& key) {
    INFO(key);
    CHECK(core::allclose(a, torch_ref32(key), 1e-4, 1e-4));
  };
  close(y.value(), name + ".y");
  autograd::sum(y * nn::Var(torch_ref32(name + ".w.y"))).backward();
  for (const auto& [k, x] : inputs) close(x.grad(), name + ".grad." + k);
  for (const auto& [k, p] : m.named_parameters()) close(p.grad(), name + ".grad." + k);
}

nn::Masks masks32(const std::string& name, const std::string& padding = "key_padding") {
  nn::Masks m;
  if (has(name + "." + padding)) m.key_padding = torch_ref32(name + "." + padding);
  if (has(name + ".attn_mask")) m.attn_mask = torch_ref32(name + ".attn_mask");
  return m;
}

}  // namespace

TEST_CASE("MultiheadAttention modules load PyTorch's state dicts and match, batch_first or not", "[transformer]") {
  core::Generator gen(1);
  nn::MultiheadAttention self({.embed_dim = 8, .num_heads = 2, .batch_first = true}, gen);
  load(self, "mha_self");
  nn::Var x(torch_ref32("mha_self.query"), true);
  check_float("mha_self", self.forward(x, x, x, masks32("mha_self")), {{"query", x}}, self);

  nn::MultiheadAttention seq_first({.embed_dim = 6, .num_heads = 3}, gen);  // (L, B, E)
  load(seq_first, "mha_seq_first");
  nn::Var s(torch_ref32("mha_seq_first.query"), true);
  check_float("mha_seq_first", seq_first.forward(s, s, s, masks32("mha_seq_first")), {{"query", s}}, seq_first);

  nn::MultiheadAttention nobias({.embed_dim = 4, .num_heads = 2, .bias = false, .batch_first = true}, gen);
  CHECK(nobias.named_parameters().size() == 2);
  std::vector<std::string> keys;
  for (const auto& [k, v] : self.state_dict()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"});
}

TEST_CASE("Transformer layer modules load PyTorch's state dicts and match", "[transformer]") {
  core::Generator gen(2);
  for (bool pre : {false, true}) {
    const nn::TransformerLayerOptions o{.d_model = 8, .nhead = 2, .dim_feedforward = 12, .dropout = 0.1f,
                                        .activation = pre ? nn::Activation::GELU : nn::Activation::ReLU,
                                        .norm_first = pre};
    const std::string enc = pre ? "enc_pre_gelu" : "enc_post_relu", dec = pre ? "dec_pre_gelu" : "dec_post_relu";
    nn::TransformerEncoderLayer e(o, gen);
    e.eval();  // dropout off, as PyTorch's fixture (dropout 0)
    load(e, enc);
    nn::Masks m = masks32(enc);
    m.causal = true;
    nn::Var x(torch_ref32(enc + ".x"), true);
    check_float(enc, e.forward(x, m), {{"x", x}}, e);

    nn::TransformerDecoderLayer d(o, gen);
    d.eval();
    load(d, dec);
    nn::Masks causal;
    causal.causal = true;
    nn::Var y(torch_ref32(dec + ".x"), true), mem(torch_ref32(dec + ".memory"), true);
    check_float(dec, d.forward(y, mem, causal, masks32(dec, "memory_key_padding")), {{"x", y}, {"memory", mem}}, d);
  }
}
