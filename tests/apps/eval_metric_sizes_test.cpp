// `xgrad eval --metric-sizes`: the names map to the sample sizes the disentanglement
// metrics use, and eval.json records those sizes beside the scores. (The study sizes take
// minutes per run: tests check the mapping, not a run at them.)
#include <catch2/catch.hpp>

#include "common/cli.hpp"
#include "image/eval.hpp"

using namespace xgrad;

TEST_CASE("metric sizes quick are the sizes every earlier figure was scored with", "[eval]") {
  const models::DisentanglementOptions q = apps::disentanglement_sizes("quick");
  CHECK(apps::sizes_summary(q) ==
        "MIG on 5000 rows, SAP fitted on 2500 and tested on 2500, FactorVAE score 300 + 300 votes of 64 rows, "
        "beta-VAE score 300 + 300 points of 32 pairs");
  CHECK((q.bins == 20 && q.variance_rows == 5000 && q.prune_std == 0.05));
}

TEST_CASE("metric sizes study are disentanglement_lib's and eval.json records them", "[eval]") {
  const models::DisentanglementOptions s = apps::disentanglement_sizes("study");
  const nlohmann::json j = apps::disentanglement_sizes_json("study", s);
  CHECK(j["protocol"] == "study");
  CHECK(j["mig"] == nlohmann::json({{"rows", 10000}, {"bins", 20}}));
  CHECK(j["sap"] == nlohmann::json({{"train", 10000}, {"test", 5000}}));
  CHECK(j["factor_vae"] == nlohmann::json({{"variance_rows", 10000}, {"train_votes", 10000}, {"test_votes", 5000},
                                           {"vote_batch", 64}, {"prune_std", 0.05}}));
  CHECK(j["beta_vae"] == nlohmann::json({{"train_points", 10000}, {"test_points", 5000}, {"pairs", 64}}));
}

TEST_CASE("an unknown metric-sizes name is a usage error naming the choices", "[eval]") {
  CHECK_THROWS_AS(apps::disentanglement_sizes("big"), apps::UsageError);
  CHECK_THROWS_WITH(apps::disentanglement_sizes("big"), "unknown --metric-sizes 'big' (choose from quick, study)");
}
