// Both code priors (the PixelCNN and the causal Transformer) as CodePriors: each is a
// distribution over grids (its probabilities of every grid sum to 1, which a code that
// saw itself or a later code would break), its sampler draws from that distribution,
// it learns, and the VQ-VAE builds and names the kind its options ask for.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/pixelcnn_prior.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/models/transformer_code_prior.hpp"
#include "xgrad/models/vq_vae.hpp"
#include "xgrad/nn/data/dataset.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

constexpr Index kCodes = 3, kSide = 2, kPositions = kSide * kSide;  // 81 grids in all

using MakePrior = std::function<std::shared_ptr<CodePrior>(core::Generator&)>;

const std::vector<std::pair<std::string, MakePrior>>& priors() {
  static const std::vector<std::pair<std::string, MakePrior>> all = {
      {"pixelcnn", [](core::Generator& g) -> std::shared_ptr<CodePrior> {
         return std::make_shared<PixelCnnPrior>(
             PixelCnnPriorOptions{.codes = kCodes, .height = kSide, .width = kSide, .channels = 8, .layers = 1}, g);
       }},
      {"transformer", [](core::Generator& g) -> std::shared_ptr<CodePrior> {
         return std::make_shared<TransformerCodePrior>(
             TransformerCodePriorOptions{.codes = kCodes, .positions = kPositions, .d_model = 8, .heads = 2, .layers = 2}, g);
       }},
  };
  return all;
}

/// Every grid of kPositions codes in [0, kCodes), grid g's codes the base-kCodes digits of g.
IndexTensor all_grids() {
  const Index n = static_cast<Index>(std::pow(kCodes, kPositions));
  IndexTensor grids({n, kPositions});
  for (Index g = 0; g < n; ++g)
    for (Index p = 0, v = g; p < kPositions; ++p, v /= kCodes) grids.data()[g * kPositions + p] = v % kCodes;
  return grids;
}

Index grid_index(const Index* codes) {
  Index g = 0;
  for (Index p = kPositions; p-- > 0;) g = g * kCodes + codes[p];
  return g;
}

/// p(grid) of every grid, from neg_log_prob.
std::vector<double> probabilities(CodePrior& prior) {
  autograd::NoGradGuard no_grad;
  prior.eval();
  const core::Tensor<float> nlp = prior.neg_log_prob(all_grids()).value();
  std::vector<double> p;
  for (float v : nlp) p.push_back(std::exp(-static_cast<double>(v)));
  return p;
}

/// A prior trained a little towards two grids, so its distribution is far from uniform.
std::shared_ptr<CodePrior> trained(const MakePrior& make, std::uint64_t seed) {
  core::Generator gen(seed);
  auto prior = make(gen);
  IndexTensor grids({2, kPositions});
  for (Index i = 0; i < kPositions; ++i) grids.data()[i] = i % kCodes, grids.data()[kPositions + i] = (i + 2) % kCodes;
  nn::Trainer trainer(*prior, gen, nn::TensorDataset::of_labels(grids),
                      {.budget = {.steps = 40}, .batch_size = 2, .optimizer = {.lr = 1e-2}});
  trainer.fit();
  return prior;
}

}  // namespace

TEST_CASE("code priors: the probabilities of all grids sum to 1, trained or not", "[vq-vae][code-prior]") {
  for (const auto& [name, make] : priors()) {
    INFO(name);
    core::Generator gen(3);
    double total = 0;
    for (double p : probabilities(*make(gen))) total += p;
    CHECK(total == Approx(1.0).epsilon(1e-4));
    total = 0;
    for (double p : probabilities(*trained(make, 4))) total += p;
    CHECK(total == Approx(1.0).epsilon(1e-4));
  }
}

TEST_CASE("code priors: the sampler draws grids as often as their probability says", "[vq-vae][code-prior]") {
  for (const auto& [name, make] : priors()) {
    INFO(name);
    auto prior = trained(make, 5);
    const std::vector<double> p = probabilities(*prior);
    core::Generator gen(8);
    const Index n = 20000;
    const IndexTensor drawn = prior->sample(n, gen);
    REQUIRE(drawn.shape() == core::Shape{n, kPositions});
    std::vector<double> count(p.size(), 0.0);
    for (Index i = 0; i < n; ++i) count[static_cast<std::size_t>(grid_index(drawn.data() + i * kPositions))] += 1;
    // Every grid with an expected count of at least 50 within 5 standard deviations.
    int checked = 0;
    for (std::size_t g = 0; g < p.size(); ++g) {
      const double expected = p[g] * n;
      if (expected < 50) continue;
      ++checked;
      INFO("grid " << g << ": p " << p[g] << ", drawn " << count[g] << " of " << n);
      CHECK(std::abs(count[g] - expected) < 5 * std::sqrt(expected * (1 - p[g])));
    }
    CHECK(checked >= 2);
  }
}

TEST_CASE("code priors learn, draw the same grids from a seed, and refuse a bad temperature or shape",
          "[vq-vae][code-prior]") {
  for (const auto& [name, make] : priors()) {
    INFO(name);
    core::Generator gen(6);
    IndexTensor grids({2, kPositions});
    for (Index i = 0; i < kPositions; ++i) grids.data()[i] = i % kCodes, grids.data()[kPositions + i] = (i + 2) % kCodes;
    const double before = make(gen)->bits_per_code(grids);
    const double after = trained(make, 6)->bits_per_code(grids);
    INFO("bits per code " << before << " -> " << after);
    CHECK(after < 0.6 * before);
    auto prior = trained(make, 6);
    core::Generator a(9), b(9);
    CHECK(core::equal(prior->sample(5, a), prior->sample(5, b)));
    // At a temperature near 0 the draw is the greedy grid: the most probable grid's codes
    // when the trained prior is sure of them.
    core::Generator c(1), d(2);
    CHECK(core::equal(prior->sample(3, c, 1e-4), prior->sample(3, d, 1e-4)));
    CHECK_THROWS_WITH(prior->sample(2, gen, 0.0), Catch::Contains("the sampling temperature must be > 0 (got 0)"));
    CHECK_THROWS_AS(prior->neg_log_prob(IndexTensor::zeros({1, kPositions + 1})), core::ShapeError);
  }
}

TEST_CASE("vq-vae: the prior option builds that kind, and a bad kind or head count is named", "[vq-vae][code-prior]") {
  core::Generator gen(1);
  const ModelOptions small{{"codes", std::int64_t{8}}, {"dim", std::int64_t{4}}, {"width", std::int64_t{8}},
                           {"prior_channels", std::int64_t{8}}, {"prior_layers", std::int64_t{1}}, {"prior_heads", std::int64_t{2}}};
  auto kind_of = [&](const std::string& prior) {
    ModelOptions o = small;
    o["prior"] = prior;
    const BuiltModel built = ModelRegistry::global().make("vq-vae", o, gen);
    return dynamic_cast<VqVae&>(*built.model).make_prior(gen)->kind();
  };
  CHECK(option<std::string>(ModelRegistry::global().complete("vq-vae", {}), "prior") == "pixelcnn");
  CHECK(kind_of("pixelcnn") == "pixelcnn-prior");
  CHECK(kind_of("transformer") == "transformer-prior");
  CHECK_THROWS_WITH(kind_of("lstm"), "prior must be pixelcnn or transformer (got 'lstm')");
  ModelOptions odd = small;
  odd["prior"] = std::string("transformer");
  odd["prior_heads"] = std::int64_t{3};
  CHECK_THROWS_WITH(ModelRegistry::global().make("vq-vae", odd, gen),
                    "prior_heads (3) must divide prior_channels (8), the Transformer's width");
  ModelOptions certain = small;
  certain["prior_dropout"] = 1.0;
  CHECK_THROWS_WITH(ModelRegistry::global().make("vq-vae", certain, gen), "prior_dropout must be in [0, 1) (got 1)");
}

TEST_CASE("transformer prior: dropout acts in training only, and the evaluated prior is the undropped one",
          "[code-prior]") {
  const TransformerCodePriorOptions plain{.codes = kCodes, .positions = kPositions, .d_model = 8, .heads = 2, .layers = 2};
  TransformerCodePriorOptions dropped = plain;
  dropped.dropout = 0.5f;
  core::Generator g1(3), g2(3);  // the same weights: dropout draws nothing at construction
  TransformerCodePrior with(dropped, g1), without(plain, g2);
  const IndexTensor grids = all_grids();
  auto nlp = [&](CodePrior& prior) { return prior.neg_log_prob(grids).value(); };
  autograd::NoGradGuard no_grad;
  with.eval();
  without.eval();
  CHECK(core::equal(nlp(with), nlp(without)));
  with.train();
  without.train();
  CHECK(core::equal(nlp(without), nlp(without)));
  const core::Tensor<float> first = nlp(with);
  CHECK_FALSE(core::equal(first, nlp(with)));  // a new mask per call
  CHECK_FALSE(core::equal(first, nlp(without)));
}
