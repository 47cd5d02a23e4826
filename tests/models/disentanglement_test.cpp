// The disentanglement metrics on synthetic codes with known answers: codes that are the
// factors score near the maximum, codes independent of the factors near chance, and a
// factor copied into two dimensions loses its MIG (and SAP) gap.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "xgrad/core/shape_ops.hpp"
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

/// Codes whose dimension d is factor d plus N(0, sd^2) noise: scores strictly between the extremes.
Representation noisy_copies(std::shared_ptr<core::Generator> gen, float sd) {
  return [gen, sd](const core::IndexTensor& f) {
    core::Tensor<float> z = core::normal<float>({f.size(0), f.size(1)}, 0.f, sd, *gen);
    for (Index i = 0; i < z.numel(); ++i) z.data()[i] += static_cast<float>(f.data()[i]);
    return z;
  };
}

// Train and test sizes differ, so a size used in the other's place changes a row count.
const DisentanglementOptions kSmall{.samples = 2000, .sap_train = 1200, .sap_test = 1000, .variance_rows = 1500,
                                   .votes = 200, .test_votes = 150, .vote_batch = 32, .points = 200,
                                   .test_points = 150, .pairs = 16};

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
  CHECK(rows == kSmall.variance_rows + (kSmall.votes + kSmall.test_votes) * kSmall.vote_batch);
  calls = 0, rows = 0;
  CHECK(beta_vae_score(counted, kSizes, gen, kSmall) > 0.95);
  CHECK(calls == 1);
  CHECK(rows == (kSmall.points + kSmall.test_points) * 2 * kSmall.pairs);
  calls = 0, rows = 0;
  disentanglement(counted, kSizes, gen, kSmall);  // mig and sap share one draw of the larger need
  CHECK(rows == std::max(kSmall.samples, kSmall.sap_train + kSmall.sap_test) + kSmall.variance_rows +
                    (kSmall.votes + kSmall.test_votes) * kSmall.vote_batch +
                    (kSmall.points + kSmall.test_points) * 2 * kSmall.pairs);
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

TEST_CASE("the default sizes give the scores they gave before each size had a field of its own", "[disentanglement]") {
  // Recorded with the options of five fields (samples 5000 for mig, sap's halves and the
  // FactorVAE std; votes and points for training and as many again to test): eval.json
  // figures of the quick protocol stay comparable across the change.
  core::Generator gen(8);
  const DisentanglementScores s = disentanglement(noisy_copies(std::make_shared<core::Generator>(9), 1.5f), kSizes, gen);
  CHECK(s.beta_vae == Approx(0.91).epsilon(1e-12));
  CHECK(s.factor_vae == Approx(0.97333333333333338).epsilon(1e-12));
  CHECK(s.mig == Approx(0.19449237067789357).epsilon(1e-9));
  CHECK(s.sap == Approx(0.20693333333333333).epsilon(1e-9));
}

TEST_CASE("the study sizes are disentanglement_lib's unsupervised study's", "[disentanglement]") {
  // config/unsupervised_study_v1/metric_configs: mig.gin, sap_score.gin, factor_vae_metric.gin,
  // beta_vae_sklearn.gin.
  const DisentanglementOptions o = study_disentanglement_options();
  CHECK((o.samples == 10000 && o.bins == 20));
  CHECK((o.sap_train == 10000 && o.sap_test == 5000));
  CHECK((o.variance_rows == 10000 && o.votes == 10000 && o.test_votes == 5000 && o.vote_batch == 64));
  CHECK(o.prune_std == 0.05);
  CHECK((o.points == 10000 && o.test_points == 5000 && o.pairs == 64));
}

TEST_CASE("sap fits on its first sap_train rows and scores the next sap_test", "[disentanglement]") {
  // Dimension 0 is factor 0 in the first 300 rows only (0 after them): fitted on those 300,
  // it scores chance on the next 100, and perfectly on rows 200..299 when fitted on 0..199.
  const std::vector<Index> sizes = {4};
  core::Generator gen(10);
  const core::IndexTensor f = sample_factors(sizes, 400, gen);
  core::Tensor<float> z = copies({0})(f);
  for (Index i = 300; i < 400; ++i) z.data()[i] = 0;
  CHECK(sap(z, f, sizes, 300) < 0.5);
  CHECK(sap(core::narrow(z, 0, 0, 300), core::narrow(f, 0, 0, 300), sizes, 200) > 0.99);
  CHECK_THROWS_WITH(sap(z, f, sizes, 400), Catch::Contains("leave none of 400 to score"));
}

TEST_CASE("sizes out of range are refused, naming the field, by the scores that read them", "[disentanglement]") {
  core::Generator gen(3);
  const Representation z = copies({0, 1, 2});
  enum Reader { mig_sap, factor, beta };
  const auto refused = [&](DisentanglementOptions o, const std::string& field, Reader reader) {
    INFO(field);
    CHECK_THROWS_WITH(disentanglement(z, kSizes, gen, o), Catch::Contains("options." + field));
    if (reader == factor)
      CHECK_THROWS_WITH(factor_vae_score(z, kSizes, gen, o), Catch::Contains("options." + field));
    else  // a size factor_vae_score does not read leaves it alone
      CHECK_NOTHROW(factor_vae_score(z, kSizes, gen, o));
    if (reader == beta)
      CHECK_THROWS_WITH(beta_vae_score(z, kSizes, gen, o), Catch::Contains("options." + field));
    else
      CHECK_NOTHROW(beta_vae_score(z, kSizes, gen, o));
  };
  DisentanglementOptions o;
  o.test_votes = 0, refused(o, "test_votes", factor);  // divided by, once
  o = {}, o.vote_batch = 1, refused(o, "vote_batch", factor);
  o = {}, o.prune_std = -1, refused(o, "prune_std", factor);
  o = {}, o.bins = 1, refused(o, "bins", mig_sap);
  o = {}, o.sap_test = 0, refused(o, "sap_test", mig_sap);
  o = {}, o.pairs = 0, refused(o, "pairs", beta);
  o = {}, o.test_points = 0, refused(o, "test_points", beta);
}
