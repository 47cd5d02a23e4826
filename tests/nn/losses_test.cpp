// Every loss against torch.nn.functional (tests/fixtures/nn_losses.py): the value
// and the input gradients for each reduction; for Reduction::None the gradient is
// that of sum(value * upstream) with a fixed upstream.
#include "xgrad/nn/losses.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>

#include "fixture.hpp"

using namespace xgrad::nn;
using Catch::Matchers::Contains;
using xgrad::core::IndexTensor;

namespace {

Tensor fx(const std::string& name) { return xgrad::test::fixture<float>("nn_losses.json", name); }

// float32 arithmetic against a float64 reference.
bool close(const Tensor& a, const Tensor& b) { return xgrad::core::allclose(a, b, 1e-5, 1e-6); }

struct Reduced {
  Reduction reduction;
  const char* name;
};
constexpr Reduced kReductions[] = {{Reduction::Mean, "mean"}, {Reduction::Sum, "sum"}, {Reduction::None, "none"}};

// Builds the loss from fresh leaves for `differentiable` inputs (named as in the
// fixture) and checks value and gradients for each reduction.
void check_loss(const std::string& loss, const std::vector<std::string>& differentiable,
                const std::function<Var(std::map<std::string, Var>&, Reduction)>& build) {
  for (const auto& r : kReductions) {
    std::map<std::string, Var> in;
    for (const auto& n : differentiable) in.emplace(n, Var(fx(loss + "/" + n), true));
    const Var out = build(in, r.reduction);
    const std::string at = loss + "/" + r.name + "/";
    INFO(at);
    CHECK(close(out.value(), fx(at + "value")));
    if (r.reduction == Reduction::None)
      out.backward(fx(loss + "/upstream"));
    else
      out.backward();
    for (const auto& n : differentiable) {
      INFO("gradient of " << n);
      REQUIRE(in.at(n).grad().defined());
      CHECK(close(in.at(n).grad(), fx(at + "grad_" + n)));
    }
  }
}

IndexTensor labels(const std::string& loss) { return xgrad::test::fixture<Index>("nn_losses.json", loss + "/target"); }

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const xgrad::core::Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("mse matches PyTorch for every reduction", "[losses]") {
  check_loss("mse", {"input", "target"}, [](auto& in, Reduction r) { return mse(in["input"], in["target"], r); });
}

TEST_CASE("l1 matches PyTorch for every reduction, with a zero gradient at a tie", "[losses]") {
  check_loss("l1", {"input", "target"}, [](auto& in, Reduction r) { return l1(in["input"], in["target"], r); });
}

TEST_CASE("bce matches PyTorch for every reduction", "[losses]") {
  check_loss("bce", {"input"}, [](auto& in, Reduction r) { return bce(in["input"], fx("bce/target"), r); });
}

TEST_CASE("bce floors each log at -100 like PyTorch, with finite gradients", "[losses]") {
  Var p(fx("bce_edge/input"), true);
  const Var loss = bce(p, fx("bce_edge/target"), Reduction::None);
  CHECK(close(loss.value(), fx("bce_edge/none/value")));
  xgrad::nn::bce(p, fx("bce_edge/target")).backward();
  for (float g : p.grad()) CHECK(std::isfinite(g));
}

TEST_CASE("bce_with_logits matches PyTorch for every reduction", "[losses]") {
  check_loss("bce_with_logits", {"input"},
             [](auto& in, Reduction r) { return bce_with_logits(in["input"], fx("bce_with_logits/target"), r); });
}

TEST_CASE("cross_entropy matches PyTorch for every reduction", "[losses]") {
  check_loss("cross_entropy", {"input"},
             [](auto& in, Reduction r) { return cross_entropy(in["input"], labels("cross_entropy"), r); });
}

TEST_CASE("nll matches PyTorch for every reduction", "[losses]") {
  check_loss("nll", {"input"}, [](auto& in, Reduction r) { return nll(in["input"], labels("nll"), r); });
}

TEST_CASE("gaussian_nll matches PyTorch, including a variance clamped to eps", "[losses]") {
  check_loss("gaussian_nll_same", {"input", "target", "var"},
             [](auto& in, Reduction r) { return gaussian_nll(in["input"], in["target"], in["var"], r); });
}

TEST_CASE("gaussian_nll with the full constant matches PyTorch", "[losses]") {
  check_loss("gaussian_nll_full", {"input", "target", "var"},
             [](auto& in, Reduction r) { return gaussian_nll(in["input"], in["target"], in["var"], r, true); });
}

TEST_CASE("gaussian_nll with one variance per row matches PyTorch", "[losses]") {
  for (const char* loss : {"gaussian_nll_row", "gaussian_nll_row1"})
    check_loss(loss, {"input", "target", "var"},
               [](auto& in, Reduction r) { return gaussian_nll(in["input"], in["target"], in["var"], r); });
}

TEST_CASE("losses taking a plain tensor target agree with the variable form", "[losses]") {
  const Var x(fx("mse/input")), v(fx("gaussian_nll_same/var"));
  const Tensor t = fx("mse/target"), obs = fx("gaussian_nll_same/target");
  const Var mu(fx("gaussian_nll_same/input"));
  CHECK(xgrad::core::equal(mse(x, t).value(), mse(x, Var(t)).value()));
  CHECK(xgrad::core::equal(l1(x, t).value(), l1(x, Var(t)).value()));
  CHECK(xgrad::core::equal(gaussian_nll(mu, obs, v).value(), gaussian_nll(mu, Var(obs), v).value()));
}

TEST_CASE("losses name mismatched shapes", "[losses]") {
  const Var a(Tensor::zeros({2, 3})), b(Tensor::zeros({3, 2}));
  CHECK_THAT(error_of([&] { mse(a, b); }), Contains("mse") && Contains("(2, 3)") && Contains("(3, 2)"));
  CHECK_THAT(error_of([&] { l1(a, b); }), Contains("l1"));
  CHECK_THAT(error_of([&] { bce_with_logits(a, Tensor::zeros({3})); }), Contains("bce_with_logits"));
  CHECK_THAT(error_of([&] { gaussian_nll(a, a, Var(Tensor::ones({3}))); }), Contains("var (3)"));
  CHECK_THAT(error_of([&] { nll(a, IndexTensor::zeros({3})); }), Contains("nll") && Contains("(N, C)"));
}

TEST_CASE("losses refuse out-of-range inputs, naming them", "[losses]") {
  const Var p(Tensor({2}, {0.5f, 1.5f}));
  CHECK_THAT(error_of([&] { bce(p, Tensor::zeros({2})); }), Contains("1.5"));
  const Var logits(Tensor::zeros({2, 3}));
  CHECK_THAT(error_of([&] { cross_entropy(logits, IndexTensor({2}, {0, 3})); }), Contains("label 3 at row 1"));
  CHECK_THAT(error_of([&] { nll(logits, IndexTensor({2}, {-1, 0})); }), Contains("label -1 at row 0"));
  CHECK_THAT(error_of([&] { gaussian_nll(logits, logits, Var(Tensor::full({2, 3}, -1.f))); }), Contains("negative"));
}
