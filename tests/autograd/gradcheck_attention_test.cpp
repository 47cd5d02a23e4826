// Gradcheck cases of the fused attention: every combination of the causal mask, a key
// padding mask and an attention mask (none, (Lq, Lk) broadcast over batch and heads,
// (B, 1, Lq, Lk) broadcast over heads), with the backward recomputing P from the
// log-sum-exps and with P saved. Some combinations mask every key of a row (b = 1,
// query 0): those rows are zeros, and so are their gradients on both sides.
// Lq (3) differs from Lk (4), and d (2) from dv (3).
#include "gradcheck_table.hpp"
#include "xgrad/autograd/ops_attention.hpp"

namespace ag = xgrad::autograd;
using xgrad::core::Generator;
using xgrad::core::Shape;
using xgrad::core::Tensor;
using xgrad::test::GradCase;
using xgrad::test::InputSpec;
using xgrad::test::Vars;

namespace {

const Shape kQ{2, 2, 3, 2}, kK{2, 2, 4, 2}, kV{2, 2, 4, 3};

// b = 0 pads key 2; b = 1 pads key 0.
Tensor<double> key_padding() { return Tensor<double>(Shape{2, 4}, {0, 0, 1, 0, 1, 0, 0, 0}); }
// Query 0 may see key 0 only; query 2 not key 1.
Tensor<double> mask_2d() { return Tensor<double>(Shape{3, 4}, {0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0}); }
// Per batch entry: b = 0 masks key 3 for query 1, b = 1 masks key 2 for every query.
Tensor<double> mask_4d() {
  return Tensor<double>(Shape{2, 1, 3, 4}, {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0});
}

std::vector<GradCase> mask_combinations() {
  std::vector<GradCase> cases;
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs})
    for (bool causal : {false, true})
      for (bool padding : {false, true})
        for (int mask : {0, 2, 4}) {
          const std::string label = std::string(save == ag::AttentionSave::Probs ? "P saved" : "P recomputed") +
                                    (causal ? ", causal" : "") + (padding ? ", key padding" : "") +
                                    (mask ? ", attn_mask " + std::to_string(mask) + "-d" : "");
          cases.push_back(GradCase{"attention", label, {InputSpec{kQ}, InputSpec{kK}, InputSpec{kV}},
                                   [=](const Vars& v) {
                                     ag::AttentionConfig<double> cfg;
                                     cfg.save = save;
                                     cfg.causal = causal;
                                     if (padding) cfg.key_padding = key_padding();
                                     if (mask) cfg.attn_mask = mask == 2 ? mask_2d() : mask_4d();
                                     return ag::scaled_dot_product_attention(v[0], v[1], v[2], cfg);
                                   }});
        }
  return cases;
}

const bool registered = xgrad::test::register_cases(mask_combinations());

const bool registered_more = xgrad::test::register_cases({
    GradCase{"attention", "self-attention: q = k = v (gradients added into one buffer)", {InputSpec{Shape{1, 2, 4, 3}}},
             [](const Vars& v) {
               ag::AttentionConfig<double> cfg;
               cfg.causal = true;
               return ag::scaled_dot_product_attention(v[0], v[0], v[0], cfg);
             }},
    GradCase{"attention", "dropout 0.3 with P recomputed (the same generator seed on every call), explicit scale 0.7",
             {InputSpec{kQ}, InputSpec{kK}, InputSpec{kV}},
             [](const Vars& v) {
               ag::AttentionConfig<double> cfg;
               cfg.dropout = 0.3;
               cfg.scale = 0.7;
               cfg.save = ag::AttentionSave::LogSumExp;
               cfg.key_padding = key_padding();
               Generator gen(11);
               return ag::scaled_dot_product_attention(v[0], v[1], v[2], cfg, &gen);
             }},
    GradCase{"attention", "dropout with P saved, causal, Lq < Lk (bottom-right)",
             {InputSpec{kQ}, InputSpec{kK}, InputSpec{kV}},
             [](const Vars& v) {
               ag::AttentionConfig<double> cfg;
               cfg.dropout = 0.5;
               cfg.causal = true;
               cfg.save = ag::AttentionSave::Probs;
               Generator gen(5);
               return ag::scaled_dot_product_attention(v[0], v[1], v[2], cfg, &gen);
             }},
    // Causal entries run their products in blocks of 16 rows and 16 keys, skipping those above
    // the diagonal (core/attention.cpp): 33 queries of 37 keys take three of each, and 37
    // queries of 21 keys begin with rows that see no key.
    GradCase{"attention", "causal over several row and key blocks, Lq 33 < Lk 37, P saved",
             {InputSpec{Shape{1, 1, 33, 2}}, InputSpec{Shape{1, 1, 37, 2}}, InputSpec{Shape{1, 1, 37, 2}}},
             [](const Vars& v) {
               ag::AttentionConfig<double> cfg;
               cfg.causal = true;
               return ag::scaled_dot_product_attention(v[0], v[1], v[2], cfg);
             }},
    GradCase{"attention", "causal over several row and key blocks, Lq 37 > Lk 21, P recomputed, dropout 0.2",
             {InputSpec{Shape{1, 1, 37, 2}}, InputSpec{Shape{1, 1, 21, 2}}, InputSpec{Shape{1, 1, 21, 2}}},
             [](const Vars& v) {
               ag::AttentionConfig<double> cfg;
               cfg.causal = true;
               cfg.dropout = 0.2;
               cfg.save = ag::AttentionSave::LogSumExp;
               Generator gen(7);
               return ag::scaled_dot_product_attention(v[0], v[1], v[2], cfg, &gen);
             }},
    GradCase{"attention", "keys without gradient; rows of 19 keys (two SIMD batches and a tail), P recomputed",
             {InputSpec{Shape{1, 1, 2, 3}}, InputSpec{Shape{1, 1, 19, 3}, -2, 2, 0, false}, InputSpec{Shape{1, 1, 19, 2}}},
             [](const Vars& v) {
               ag::AttentionConfig<double> cfg;
               cfg.save = ag::AttentionSave::LogSumExp;
               return ag::scaled_dot_product_attention(v[0], v[1], v[2], cfg);
             }},
});

// Packed self-attention: qkv (2, 3, 12) as 2 heads of 2 columns, every mask kind and dropout.
std::vector<GradCase> packed_cases() {
  std::vector<GradCase> cases;
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs})
    for (int kind = 0; kind < 5; ++kind) {
      const char* what[] = {"no mask", "causal", "key padding", "attn_mask (L, L)", "causal, dropout 0.3"};
      cases.push_back(GradCase{"packed_self_attention",
                               std::string(what[kind]) + (save == ag::AttentionSave::Probs ? ", P saved" : ", P recomputed"),
                               {InputSpec{Shape{2, 3, 12}}}, [=](const Vars& v) {
                                 ag::AttentionConfig<double> cfg;
                                 cfg.save = save;
                                 cfg.causal = kind == 1 || kind == 4;
                                 if (kind == 2) cfg.key_padding = Tensor<double>(Shape{2, 3}, {0, 1, 0, 1, 0, 0});
                                 if (kind == 3) cfg.attn_mask = Tensor<double>(Shape{3, 3}, {0, 1, 0, 0, 0, 1, 1, 0, 0});
                                 if (kind == 4) cfg.dropout = 0.3;
                                 Generator gen(3);
                                 return ag::packed_self_attention(v[0], 2, cfg, &gen);
                               }});
    }
  return cases;
}

const bool registered_packed = xgrad::test::register_cases(packed_cases());

}  // namespace
