// The fused attention against PyTorch in float64 (tests/fixtures/nn_transformer.py writes
// softmax(q k^T / sqrt(d) masked with -inf) v and its gradients), to 1e-10.
#include <catch2/catch.hpp>

#include <string>

#include "fixture.hpp"
#include "xgrad/autograd/ops_attention.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"

using namespace xgrad;
namespace ag = xgrad::autograd;
using V = ag::Variable<double>;

namespace {

core::Tensor<double> torch_ref(const std::string& key) { return test::fixture<double>("nn_transformer.json", key); }

bool has(const std::string& key) { return test::fixture_file("nn_transformer.json").contains(key); }

void check(const core::Tensor<double>& actual, const std::string& key) {
  INFO(key);
  CHECK(core::allclose(actual, torch_ref(key), 1e-10, 1e-10));
}

void check_case(const std::string& name, bool causal, ag::AttentionSave save) {
  V q(torch_ref(name + ".q"), true), k(torch_ref(name + ".k"), true), v(torch_ref(name + ".v"), true);
  ag::AttentionConfig<double> cfg;
  cfg.causal = causal;
  cfg.save = save;
  if (has(name + ".key_padding")) cfg.key_padding = torch_ref(name + ".key_padding");
  if (has(name + ".attn_mask")) cfg.attn_mask = torch_ref(name + ".attn_mask");
  const V y = ag::scaled_dot_product_attention(q, k, v, cfg);
  check(y.value(), name + ".y");
  ag::sum(y * V(torch_ref(name + ".w.y"))).backward();
  check(q.grad(), name + ".grad.q");
  check(k.grad(), name + ".grad.k");
  check(v.grad(), name + ".grad.v");
}

}  // namespace

TEST_CASE("attention matches PyTorch in float64 to 1e-10, masks included, both backward modes", "[attention]") {
  for (auto save : {ag::AttentionSave::LogSumExp, ag::AttentionSave::Probs}) {
    check_case("sdpa_plain", false, save);
    check_case("sdpa_causal", true, save);
    check_case("sdpa_causal_bottom_right", true, save);
    check_case("sdpa_masks", true, save);
  }
}
