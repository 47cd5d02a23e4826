// The fused attention against the same computation composed of primitive ops, its
// handling of fully masked rows, dropout and threads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "xgrad/autograd/ops_attention.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "converted.hpp"

using namespace xgrad;
namespace ag = xgrad::autograd;
using V = ag::Variable<double>;
using T64 = core::Tensor<double>;

namespace {

struct Inputs {
  V q, k, v, w;
};

Inputs inputs(core::Index B, core::Index H, core::Index Lq, core::Index Lk, core::Index d, std::uint64_t seed) {
  core::Generator gen(seed);
  return {V(core::normal<double>({B, H, Lq, d}, 0, 1, gen), true), V(core::normal<double>({B, H, Lk, d}, 0, 1, gen), true),
          V(core::normal<double>({B, H, Lk, d + 1}, 0, 1, gen), true),
          V(core::normal<double>({B, H, Lq, d + 1}, 0, 1, gen))};
}

// softmax(q k^T / sqrt(d) + additive mask) v, from matmul / softmax; `masked` (B, H, Lq, Lk) is 1 where masked.
V composed(const Inputs& in, const T64& masked) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(in.q.size(-1)));
  const V s = ag::matmul(in.q, ag::transpose(in.k)) * scale + V(core::mul(masked, -1e30));
  return ag::matmul(ag::softmax(s, -1), in.v);
}

struct Result {
  T64 y, gq, gk, gv;
};

Result run(const Inputs& in, const V& y) {
  ag::sum(y * in.w).backward();
  return {y.value(), in.q.grad(), in.k.grad(), in.v.grad()};
}

}  // namespace

TEST_CASE("attention matches the composed ops with all masks, 37 keys, both backward modes", "[attention]") {
  const core::Index B = 2, H = 3, Lq = 5, Lk = 37, d = 4;
  // Key padding on the last 6 keys of b = 1; attn_mask hides key 3 from every query; causal, bottom-right.
  T64 padding = T64::zeros({B, Lk});
  for (core::Index j = Lk - 6; j < Lk; ++j) padding.at({1, j}) = 1;
  T64 attn = T64::zeros({Lq, Lk});
  for (core::Index i = 0; i < Lq; ++i) attn.at({i, 3}) = 1;
  T64 masked = T64::zeros({B, H, Lq, Lk});
  for (core::Index b = 0; b < B; ++b)
    for (core::Index h = 0; h < H; ++h)
      for (core::Index i = 0; i < Lq; ++i)
        for (core::Index j = 0; j < Lk; ++j)
          masked.at({b, h, i, j}) = (padding.at({b, j}) != 0 || attn.at({i, j}) != 0 || j > i + Lk - Lq) ? 1 : 0;
  const Inputs ref_in = inputs(B, H, Lq, Lk, d, 1);
  const Result ref = run(ref_in, composed(ref_in, masked));
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs}) {
    const Inputs in = inputs(B, H, Lq, Lk, d, 1);
    ag::AttentionConfig<double> cfg;
    cfg.causal = true, cfg.key_padding = padding, cfg.attn_mask = attn, cfg.save = save;
    const Result r = run(in, ag::scaled_dot_product_attention(in.q, in.k, in.v, cfg));
    CHECK(core::allclose(r.y, ref.y, 1e-12, 1e-12));
    CHECK(core::allclose(r.gq, ref.gq, 1e-11, 1e-12));
    CHECK(core::allclose(r.gk, ref.gk, 1e-11, 1e-12));
    CHECK(core::allclose(r.gv, ref.gv, 1e-11, 1e-12));
  }
}

TEST_CASE("causal attention gives the bits of the same mask given as attn_mask", "[attention]") {
  // The causal rows skip the exps and sums of the columns past the bound (core/attention.cpp);
  // an attn_mask row goes through every column. 37 keys: rows end inside a SIMD batch.
  const core::Index B = 2, H = 2, Lq = 29, Lk = 37, d = 4;
  T64 attn = T64::zeros({Lq, Lk});
  for (core::Index i = 0; i < Lq; ++i)
    for (core::Index j = i + Lk - Lq + 1; j < Lk; ++j) attn.at({i, j}) = 1;
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs}) {
    auto once = [&](bool causal) {
      const Inputs in = inputs(B, H, Lq, Lk, d, 4);
      ag::AttentionConfig<double> cfg;
      cfg.save = save;
      if (causal) cfg.causal = true;
      else cfg.attn_mask = attn;
      return run(in, ag::scaled_dot_product_attention(in.q, in.k, in.v, cfg));
    };
    const Result c = once(true), m = once(false);
    CHECK(core::equal(c.y, m.y));
    CHECK(core::equal(c.gq, m.gq));
    CHECK(core::equal(c.gk, m.gk));
    CHECK(core::equal(c.gv, m.gv));
  }
}

TEST_CASE("attention matches the composed ops at 300 positions, where each product runs in row blocks", "[attention]") {
  // 300 x 300 scores of 8 features: the kernel cuts every product of an entry into blocks of
  // 192 or 208 rows and a shorter last one (core/attention.cpp, entry_gemm).
  const core::Index B = 1, H = 2, L = 300, d = 8;
  const Inputs ref_in = inputs(B, H, L, L, d, 3);
  const Result ref = run(ref_in, composed(ref_in, T64::zeros({B, H, L, L})));
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs}) {
    const Inputs in = inputs(B, H, L, L, d, 3);
    ag::AttentionConfig<double> cfg;
    cfg.save = save;
    const Result r = run(in, ag::scaled_dot_product_attention(in.q, in.k, in.v, cfg));
    CHECK(core::allclose(r.y, ref.y, 1e-12, 1e-12));
    CHECK(core::allclose(r.gq, ref.gq, 1e-11, 1e-12));
    CHECK(core::allclose(r.gk, ref.gk, 1e-11, 1e-12));
    CHECK(core::allclose(r.gv, ref.gv, 1e-11, 1e-12));
  }
}

TEST_CASE("attention gives zeros, and zero gradients, for a row whose keys are all masked", "[attention]") {
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs}) {
    const Inputs in = inputs(1, 2, 3, 4, 2, 2);
    ag::AttentionConfig<double> cfg;
    cfg.save = save;
    cfg.attn_mask = T64(core::Shape{3, 4}, {0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1});  // query 1 sees nothing
    const Result r = run(in, ag::scaled_dot_product_attention(in.q, in.k, in.v, cfg));
    for (core::Index h = 0; h < 2; ++h)
      for (core::Index c = 0; c < 3; ++c) {
        CHECK(r.y.at({0, h, 1, c}) == 0.0);
        if (c < 2) CHECK(r.gq.at({0, h, 1, c}) == 0.0);
      }
    for (double g : r.gk) CHECK(std::isfinite(g));
    CHECK(r.y.at({0, 0, 0, 0}) != 0.0);
  }
}

TEST_CASE("attention gives the same bits on 1 and 2 threads, with dropout", "[attention]") {
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs}) {
    auto once = [save](int threads) {
      core::set_num_threads(threads);
      const Inputs in = inputs(4, 4, 64, 64, 8, 3);
      ag::AttentionConfig<double> cfg;
      cfg.causal = true, cfg.dropout = 0.25, cfg.save = save;
      core::Generator gen(9);
      return run(in, ag::scaled_dot_product_attention(in.q, in.k, in.v, cfg, &gen));
    };
    const Result one = once(1), two = once(2);
    core::set_num_threads(0);
    CHECK(core::equal(one.y, two.y));
    CHECK(core::equal(one.gq, two.gq));
    CHECK(core::equal(one.gk, two.gk));
    CHECK(core::equal(one.gv, two.gv));
  }
}

TEST_CASE("attention dropout draws from the generator: same seed same weights, about p of them zeroed", "[attention]") {
  // With v = the identity (Lk = dv) the output rows are the dropped weights themselves.
  const core::Index L = 64;
  T64 eye = T64::zeros({1, 1, L, L});
  for (core::Index i = 0; i < L; ++i) eye.at({0, 0, i, i}) = 1;
  const V q(T64::zeros({1, 1, L, 4})), k(T64::zeros({1, 1, L, 4})), v(eye);
  ag::AttentionConfig<double> cfg;
  cfg.dropout = 0.25;
  core::Generator a(4), b(4), c(5);
  const T64 ya = ag::scaled_dot_product_attention(q, k, v, cfg, &a).value();
  CHECK(core::equal(ya, ag::scaled_dot_product_attention(q, k, v, cfg, &b).value()));
  CHECK_FALSE(core::equal(ya, ag::scaled_dot_product_attention(q, k, v, cfg, &c).value()));
  core::Index zeros = 0;
  for (double x : ya) {
    if (x == 0) ++zeros;
    else CHECK(x == Approx(1.0 / L / 0.75).epsilon(1e-12));  // uniform weights 1/L, kept ones scaled
  }
  CHECK(static_cast<double>(zeros) / (L * L) == Approx(0.25).margin(0.03));
}

// Rows [lo, lo + n) of x as a new leaf.
static V rows_of(const V& x, core::Index lo, core::Index n) {
  return V(core::slice(x.value(), 0, lo, lo + n), x.requires_grad());
}

TEST_CASE("attention dropout: two data-parallel shards drop what one process drops", "[attention]") {
  // One process holds a batch of 4; two shards hold rows 0-1 and 2-3 with generators that
  // know it (as the trainer sets them). Each shard's output and gradients are the
  // matching rows of the one process's, bit for bit.
  const Inputs whole = inputs(4, 2, 16, 16, 4, 5);
  ag::AttentionConfig<double> cfg;
  cfg.causal = true, cfg.dropout = 0.3;
  core::Generator g(9);
  const Result one = run(whole, ag::scaled_dot_product_attention(whole.q, whole.k, whole.v, cfg, &g));
  for (core::Index lo : {0, 2}) {
    const Inputs part{rows_of(whole.q, lo, 2), rows_of(whole.k, lo, 2), rows_of(whole.v, lo, 2), rows_of(whole.w, lo, 2)};
    core::Generator gs(9);
    gs.set_row_shard({lo, 2, 4});
    const Result shard = run(part, ag::scaled_dot_product_attention(part.q, part.k, part.v, cfg, &gs));
    INFO("shard from row " << lo);
    CHECK(core::equal(shard.y, core::slice(one.y, 0, lo, lo + 2)));
    CHECK(core::equal(shard.gq, core::slice(one.gq, 0, lo, lo + 2)));
    CHECK(core::equal(shard.gk, core::slice(one.gk, 0, lo, lo + 2)));
    CHECK(core::equal(shard.gv, core::slice(one.gv, 0, lo, lo + 2)));
  }
  // Packed self-attention: the same rule (rows of qkv (B, L, 3 E)).
  core::Generator gp(2);
  const V qkv(core::normal<double>({4, 6, 12}, 0, 1, gp), true);
  core::Generator g1(9);
  const T64 packed = ag::packed_self_attention(qkv, 2, cfg, &g1).value();
  const V upper = rows_of(qkv, 2, 2);
  core::Generator g2(9);
  g2.set_row_shard({2, 2, 4});
  CHECK(core::equal(ag::packed_self_attention(upper, 2, cfg, &g2).value(), core::slice(packed, 0, 2, 4)));
}

TEST_CASE("attention refuses mismatched shapes and masks, and dropout without a generator", "[attention]") {
  const V q(T64::zeros({1, 2, 3, 4})), k(T64::zeros({1, 2, 5, 4})), v(T64::zeros({1, 2, 5, 3}));
  CHECK_THROWS_AS(ag::scaled_dot_product_attention(q, v, v), core::ShapeError);
  ag::AttentionConfig<double> cfg;
  cfg.key_padding = T64::zeros({1, 3});
  CHECK_THROWS_WITH(ag::scaled_dot_product_attention(q, k, v, cfg), "attention: key_padding (1, 3) must be (B, Lk) = (1, 5)");
  cfg = {};
  cfg.attn_mask = T64::zeros({2, 5});
  CHECK_THROWS_WITH(ag::scaled_dot_product_attention(q, k, v, cfg),
                    "attention: attn_mask (2, 5) does not broadcast to (B, H, Lq, Lk) = (1, 2, 3, 5)");
  cfg = {};
  cfg.dropout = 0.1;
  CHECK_THROWS_WITH(ag::scaled_dot_product_attention(q, k, v, cfg), "scaled_dot_product_attention: dropout needs a generator");
}

TEST_CASE("packed self-attention gives split heads' values and gradients to the bit", "[attention]") {
  using VF = ag::Variable<float>;
  core::Generator gen(4);
  VF qkv(core::normal<float>({2, 5, 24}, 0.f, 1.f, gen), true);
  const VF w(core::normal<float>({2, 5, 8}, 0.f, 1.f, gen));
  ag::AttentionConfig<float> cfg;
  cfg.causal = true, cfg.dropout = 0.2f;
  auto heads = [](const VF& x) { return ag::permute(ag::reshape(x, core::Shape{2, 5, 4, 2}), {0, 2, 1, 3}); };
  core::Generator g1(9), g2(9);
  auto parts = ag::split(qkv, {8, 8, 8}, -1);
  const VF split = ag::reshape(ag::permute(ag::scaled_dot_product_attention(heads(parts[0]), heads(parts[1]),
                                                                            heads(parts[2]), cfg, &g1),
                                           {0, 2, 1, 3}),
                               core::Shape{2, 5, 8});
  ag::sum(split * w).backward();
  const core::Tensor<float> g_split = qkv.grad();
  qkv.zero_grad();
  const VF packed = ag::packed_self_attention(qkv, 4, cfg, &g2);
  ag::sum(packed * w).backward();
  CHECK(core::equal(packed.value(), split.value()));
  CHECK(core::equal(qkv.grad(), g_split));
}

using test::converted;

// Float runs its own kernels (nt products under 128 query rows, K^T and V^T copied by
// omatcopy above, causal blocks of 16 rows): checked against the double path on the same
// values, which the tests above check against the composed ops. Float rounding alone
// separates the two.
TEST_CASE("float attention matches double attention on the same values, at 64 and 150 positions", "[attention]") {
  using VF = ag::Variable<float>;
  const core::Index B = 2, H = 2, d = 32;
  for (core::Index L : {64, 150})
    for (bool causal : {false, true})
      for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs}) {
        CAPTURE(L, causal, save == ag::AttentionSave::Probs);
        core::Generator gen(7);
        const auto q = core::normal<float>({B, H, L, d}, 0.f, 1.f, gen), k = core::normal<float>({B, H, L, d}, 0.f, 1.f, gen);
        const auto v = core::normal<float>({B, H, L, d}, 0.f, 1.f, gen), w = core::normal<float>({B, H, L, d}, 0.f, 1.f, gen);
        core::Tensor<float> padding = core::Tensor<float>::zeros({B, L});
        for (core::Index j = L - 9; j < L; ++j) padding.at({1, j}) = 1;  // keeps every causal row's first key
        const Inputs wide{V(converted<double>(q), true), V(converted<double>(k), true), V(converted<double>(v), true),
                          V(converted<double>(w))};
        ag::AttentionConfig<double> cfg64;
        cfg64.causal = causal, cfg64.key_padding = converted<double>(padding), cfg64.save = save;
        const Result ref = run(wide, ag::scaled_dot_product_attention(wide.q, wide.k, wide.v, cfg64));
        VF qf(q, true), kf(k, true), vf(v, true);
        ag::AttentionConfig<float> cfg32;
        cfg32.causal = causal, cfg32.key_padding = padding, cfg32.save = save;
        const VF y = ag::scaled_dot_product_attention(qf, kf, vf, cfg32);
        ag::sum(y * VF(w)).backward();
        CHECK(core::allclose(converted<double>(y.value()), ref.y, 1e-4, 1e-5));
        CHECK(core::allclose(converted<double>(qf.grad()), ref.gq, 1e-4, 1e-5));
        CHECK(core::allclose(converted<double>(kf.grad()), ref.gk, 1e-4, 1e-5));
        CHECK(core::allclose(converted<double>(vf.grad()), ref.gv, 1e-4, 1e-5));
      }
}
