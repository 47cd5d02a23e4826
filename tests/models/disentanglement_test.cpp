// The disentanglement metrics on synthetic codes with known answers: codes that are the
// factors score near the maximum, codes independent of the factors near chance, and a
// factor copied into two dimensions loses its MIG (and SAP) gap.
#include <catch2/catch.hpp>

#include "xgrad/models/evaluation/disentanglement.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

const std::vector<Index> kSizes = {4, 5, 6};

/// Codes whose dimension d is factor columns[d] (as a number).
Representation copies(std::vector<Index> columns) {
  return [columns](const core::IndexTensor& f) {
    const Index n = f.size(0);
    core::Tensor<float> z(core::Shape{n, static_cast<Index>(columns.size())});
    for (Index i = 0; i < n; ++i)
      for (std::size_t d = 0; d < columns.size(); ++d)
        z.data()[i * static_cast<Index>(columns.size()) + static_cast<Index>(d)] =
            static_cast<float>(f.data()[i * f.size(1) + columns[d]]);
    return z;
  };
}

/// Codes drawn without looking at the factors.
Representation noise(std::shared_ptr<core::Generator> gen) {
  return [gen](const core::IndexTensor& f) { return core::normal<float>({f.size(0), 4}, 0.f, 1.f, *gen); };
}

const DisentanglementOptions kSmall{.samples = 2000, .votes = 200, .vote_batch = 32, .points = 200, .pairs = 16};

}  // namespace

TEST_CASE("codes that are the factors score near the maximum on every metric", "[disentanglement]") {
  core::Generator gen(1);
  const DisentanglementScores s = disentanglement(copies({0, 1, 2}), kSizes, gen, kSmall);
  CHECK(s.mig > 0.95);
  CHECK(s.factor_vae == 1.0);
  CHECK(s.beta_vae > 0.95);
  // SAP's best is 1 - (the chance accuracy of another dimension) per factor: ~ (3/4 + 4/5 + 5/6) / 3.
  CHECK(s.sap > 0.7);
}

TEST_CASE("codes independent of the factors score near chance", "[disentanglement]") {
  core::Generator gen(2);
  const DisentanglementScores s = disentanglement(noise(std::make_shared<core::Generator>(3)), kSizes, gen, kSmall);
  CHECK(s.mig < 0.05);
  CHECK(s.sap < 0.05);
  CHECK(s.factor_vae < 0.5);  // chance is 1/3 (a majority vote over random dimensions)
  CHECK(s.beta_vae < 0.5);
}

TEST_CASE("a factor copied into two dimensions halves MIG and SAP", "[disentanglement]") {
  const std::vector<Index> sizes = {4, 6};
  core::Generator gen(4);
  const core::IndexTensor f = sample_factors(sizes, 3000, gen);
  const double once = mig(copies({0, 1})(f), f, sizes), twice = mig(copies({0, 0, 1})(f), f, sizes);
  CHECK(once > 0.97);
  CHECK(twice == Approx(once / 2).margin(0.02));
  CHECK(sap(copies({0, 0, 1})(f), f, sizes) == Approx(sap(copies({0, 1})(f), f, sizes) / 2).margin(0.05));
  // The FactorVAE score does not care: either copy's variance vanishes with its factor.
  CHECK(factor_vae_score(copies({0, 0, 1}), sizes, gen, kSmall) == 1.0);
}

TEST_CASE("the scores represent all their rows in a few calls, not one per vote or point", "[disentanglement]") {
  // A model encodes a call's rows in one matrix product per layer; 64 rows a call made
  // repacking its weights a third of xgrad eval's time on dSprites.
  int calls = 0;
  Index rows = 0;
  const Representation counted = [&](const core::IndexTensor& f) { return ++calls, rows += f.size(0), copies({0, 1, 2})(f); };
  core::Generator gen(6);
  CHECK(factor_vae_score(counted, kSizes, gen, kSmall) == 1.0);
  CHECK(calls == 3);  // the global scale, the training votes, the test votes
  CHECK(rows == kSmall.samples + 2 * kSmall.votes * kSmall.vote_batch);
  calls = 0, rows = 0;
  CHECK(beta_vae_score(counted, kSizes, gen, kSmall) > 0.95);
  CHECK(calls == 1);
  CHECK(rows == 2 * kSmall.points * 2 * kSmall.pairs);
}

TEST_CASE("a representation that returns the wrong number of codes is refused", "[disentanglement]") {
  const Representation short_by_one = [](const core::IndexTensor& f) { return core::Tensor<float>({f.size(0) - 1, 2}); };
  core::Generator gen(7);
  CHECK_THROWS_WITH(beta_vae_score(short_by_one, kSizes, gen, kSmall), Catch::Contains("gave codes of sizes"));
}

TEST_CASE("disentanglement metrics refuse codes and factors of different lengths", "[disentanglement]") {
  core::Generator gen(5);
  const core::IndexTensor f = sample_factors(kSizes, 10, gen);
  CHECK_THROWS_WITH(mig(core::Tensor<float>({9, 2}), f, kSizes), Catch::Contains("must share n"));
}
