// The models whose steps draw per row in several ways or reach across the batch, trained
// data-parallel on ranks that are threads (distributed::LocalGroup): N ranks with parts of
// every batch follow one process with the whole batch — every figure of every step to
// float rounding, and the generator bit for bit (the same draws) — also when the last
// batch has fewer rows than there are ranks (a rank with no rows still takes part).
#include <catch2/catch.hpp>

#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/models/factor_vae.hpp"
#include "xgrad/models/transformer_vae.hpp"
#include "xgrad/models/vrnn.hpp"
#include "xgrad/nn/distributed/local_group.hpp"
#include "xgrad/nn/train/trainer.hpp"

using namespace xgrad;
using core::Index;

namespace {

struct Run {
  std::vector<nn::StepTerms> steps;          ///< rank 0's (every rank's are the same)
  std::vector<core::Generator::State> gens;  ///< each rank's at the end
};

struct Terms : nn::TrainerCallback {
  std::vector<nn::StepTerms> steps;
  void on_step_end(const nn::TrainState&, const nn::StepTerms& t, const nn::TermSums&) override { steps.push_back(t); }
};

using MakeModel = std::function<std::unique_ptr<nn::Trainable>(core::Generator&)>;

/// `steps` steps of batches of `batch` rows of `data` on `ranks` ranks (threads).
Run train(int ranks, const MakeModel& make, const std::shared_ptr<nn::Dataset>& data, Index batch, int steps) {
  nn::distributed::LocalGroup group(ranks);
  Run run;
  run.gens.resize(static_cast<std::size_t>(ranks));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(ranks));
  const auto rank = [&](int r) {
    try {
      core::Generator gen(5);
      const auto model = make(gen);
      nn::Trainer t(*model, gen, data,
                    {.budget = {.steps = steps}, .batch_size = batch, .seed = 2, .prefetch = false,
                     .optimizer = {.lr = 1e-2}, .eval_at_end = false, .comm = &group.rank(r)});
      Terms terms;
      t.add_callback(terms);  // rank 0 only
      t.fit();
      if (r == 0) run.steps = terms.steps;
      run.gens[static_cast<std::size_t>(r)] = gen.state();
    } catch (...) {
      errors[static_cast<std::size_t>(r)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int r = 1; r < ranks; ++r) threads.emplace_back(rank, r);
  rank(0);
  for (auto& th : threads) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return run;
}

/// 2 and 3 ranks against 1 process, in batches of 4: 9 rows for 2 ranks (every third batch
/// has one row: rank 0's part is empty), 10 for 3 ranks (every third has two: rank 0 steps on
/// a stand-in row while the others draw for two).
void check_like_one_process(const MakeModel& make, const std::function<std::shared_ptr<nn::Dataset>(Index)>& data) {
  for (auto [ranks, rows] : {std::pair{2, Index{9}}, std::pair{3, Index{10}}}) {
    INFO(ranks << " ranks, " << rows << " rows");
    const Run one = train(1, make, data(rows), 4, 6), many = train(ranks, make, data(rows), 4, 6);
    REQUIRE(one.steps.size() == 6);
    REQUIRE(many.steps.size() == one.steps.size());
    for (std::size_t s = 0; s < one.steps.size(); ++s) {
      REQUIRE(many.steps[s].size() == one.steps[s].size());
      for (std::size_t i = 0; i < one.steps[s].size(); ++i) {
        INFO("step " << s + 1 << ", " << one.steps[s][i].first);
        CHECK(many.steps[s][i].second == Approx(one.steps[s][i].second).epsilon(1e-4).margin(1e-5));
      }
    }
    for (const auto& g : many.gens) CHECK(g == one.gens[0]);  // every rank drew what one process drew
  }
}

std::shared_ptr<nn::Dataset> bytes(Index n) {
  const std::string text = "the cat sat on the mat. ";
  core::IndexTensor ids({n, 6});
  for (Index i = 0; i < ids.numel(); ++i) ids.data()[i] = static_cast<unsigned char>(text[static_cast<std::size_t>(i * 5 % 24)]);
  return std::shared_ptr<nn::Dataset>(nn::TensorDataset::of_labels(ids));
}

std::shared_ptr<nn::Dataset> pixels(Index n) {
  core::Generator gen(8);
  return std::make_shared<nn::TensorDataset>(core::uniform<float>({n, 6}, 0.f, 1.f, gen));
}

}  // namespace

TEST_CASE("the AAE (Gaussian encoder, mixture prior, instance noise) trains data-parallel like one process",
          "[distributed][aae]") {
  // Draws per row of every kind: the reparameterised codes, the mixture's component picks
  // (categorical) and its normals, and the instance noise; three optimizers in turn.
  check_like_one_process(
      [](core::Generator& gen) {
        return std::make_unique<models::Aae>(
            models::AaeOptions{.input_dim = 6, .hidden = {5}, .latent_dim = 2, .disc_hidden = {4},
                               .encoder = models::AaeEncoder::Gaussian, .prior = models::AaePrior::Mixture,
                               .mixture_components = 3, .discriminator_steps = 2, .instance_noise = 0.3},
            gen);
      },
      pixels);
}

TEST_CASE("FactorVAE permutes the codes of the whole batch in a data-parallel run", "[distributed][factor_vae]") {
  check_like_one_process(
      [](core::Generator& gen) {
        return std::make_unique<models::FactorVae>(
            models::FactorVaeOptions{.vae = {.input = 6, .hidden = {5}, .latent = 3}, .gamma = 10, .disc_hidden = {4}}, gen);
      },
      pixels);
}

TEST_CASE("the VRNN on bytes trains data-parallel like one process", "[distributed][vrnn]") {
  check_like_one_process(
      [](core::Generator& gen) {
        return std::make_unique<models::Vrnn>(
            models::VrnnOptions{.likelihood = models::VrnnLikelihood::Categorical, .classes = 256, .hidden = 8, .latent = 3},
            gen);
      },
      bytes);
}

TEST_CASE("the Transformer VAE with dropout (layers and attention weights) trains data-parallel like one process",
          "[distributed][transformer]") {
  // Each rank's attention dropout starts at its rows' entries of the whole batch (the
  // generator's row shard), so the ranks drop together what one process drops.
  check_like_one_process(
      [](core::Generator& gen) {
        return std::make_unique<models::TransformerVae>(
            models::TransformerVaeOptions{.decoder = {.classes = 256, .d_model = 8, .heads = 2, .layers = 1,
                                                      .feedforward = 16, .dropout = 0.3f, .context = 6},
                                          .latent = 3},
            gen);
      },
      bytes);
}
