// The VRNN experiments (hidden: "[.][experiment]", not run in CI). They print
// the figures recorded in docs/results/models-experiments.md. The PyTorch side, with the same data
// protocol: bench/pytorch/vrnn.py --train.
//   co2       Debian's statsmodels co2.csv, gaps interpolated, normalised (mean, population
//             std of the whole series); windows of 64 at stride 1; every tenth window
//             (index % 10 == 9) is held out. (A chronological split puts the held-out
//             part outside the training range of this trending series.)
//   fortunes  bytes of the fortunes files in name order; first 90% trains (sequences of
//             65, stride 64), the first 256 sequences of the rest are held out.
// 500 steps of batch 32 drawn uniformly, Adam 1e-3; held-out per-step -ELBO = (recon + KL)
// summed over windows / (windows * 64).
// VRNN_SEED=s (default 0) seeds the initialisation with s and the batch draws with s + 1
// (bench/pytorch/vrnn.py --seed s does the same on its side), for the spread over seeds.
// VRNN_THREADS (default 1, as the PyTorch side's --threads 1) sets xgrad's threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "xgrad/core/parallel.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/common/kl_schedule.hpp"
#include "xgrad/models/rnn_lm.hpp"
#include "xgrad/models/vrnn.hpp"
#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/series.hpp"
#include "xgrad/nn/data/text.hpp"

using namespace xgrad;
using core::Index;

namespace {

constexpr Index kL = 64, kBatch = 32;
constexpr int kSteps = 500;

void set_threads() {
  const char* s = std::getenv("VRNN_THREADS");
  core::set_num_threads(s && *s ? std::atoi(s) : 1);
}

std::uint64_t seed() {
  const char* s = std::getenv("VRNN_SEED");
  return s && *s ? std::strtoull(s, nullptr, 10) : 0;
}

nn::Batch random_batch(const nn::TensorDataset& data, core::Generator& gen) {
  const auto u = core::uniform<float>({kBatch}, 0.f, 1.f, gen);
  std::vector<Index> idx;
  for (float v : u) idx.push_back(std::min<Index>(static_cast<Index>(v * float(data.size())), data.size() - 1));
  return data.get_batch(idx);
}

std::vector<nn::Batch> batches_of(const nn::TensorDataset& data) {
  std::vector<nn::Batch> out;
  for (Index i = 0; i < data.size(); i += kBatch) {
    std::vector<Index> idx;
    for (Index j = i; j < std::min(data.size(), i + kBatch); ++j) idx.push_back(j);
    out.push_back(data.get_batch(idx));
  }
  return out;
}

struct Data {
  std::shared_ptr<nn::TensorDataset> train, test;
};

Data co2() {
  const auto s = nn::read_csv_series("/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv", "co2",
                                     {.missing = nn::Missing::Interpolate});
  const auto w = nn::make_windows(s.values, {.length = kL, .stride = 1});
  std::vector<Index> train, held;
  for (Index i = 0; i < w.data->size(); ++i) (i % 10 == 9 ? held : train).push_back(i);
  return {std::make_shared<nn::TensorDataset>(w.data->get_batch(train).x),
          std::make_shared<nn::TensorDataset>(w.data->get_batch(held).x)};
}

Data fortunes() {
  const nn::TextCorpus all = nn::read_text_files(nn::fortune_files());
  const Index n = all.tokens.numel(), n_train = static_cast<Index>(double(n) * 0.9);
  nn::TextCorpus train = all, test = all;
  train.tokens = core::narrow(all.tokens, 0, 0, n_train);
  test.tokens = core::narrow(all.tokens, 0, n_train, n - n_train);
  auto te = test.sequences(kL, kL);
  std::vector<Index> first;
  for (Index i = 0; i < std::min<Index>(256, te->size()); ++i) first.push_back(i);
  return {train.sequences(kL, kL), nn::TensorDataset::of_labels(te->get_batch(first).labels)};
}

// kSteps steps of Adam 1e-3 (the generator of the batch draws also draws the model's
// noise), then the held-out figures.
void run(const char* name, models::GenerativeModel& m, const Data& d, bool text) {
  core::Generator gen(seed() + 1);
  models::Stepper stepper(m, gen);
  double first = 0, last = 0;
  for (int s = 0; s < kSteps; ++s) {
    last = stepper.step(random_batch(*d.train, gen)).loss;
    if (s == 0) first = last;
  }
  core::Generator eval_gen(123);
  models::EvalSums sums;
  Index steps = 0;
  for (const auto& b : batches_of(*d.test)) {
    sums += m.evaluate(b, eval_gen);  // the baseline draws nothing from eval_gen
    steps += b.size() * kL;
  }
  const double per = sums.neg_elbo / double(steps), kl = sums.kl / double(steps);
  char bits[64] = "";
  if (text) std::snprintf(bits, sizeof bits, " = %.3f bits/char", per / std::log(2.0));
  std::printf("%s: train loss %.2f -> %.2f; held-out per step: -ELBO %.4f nats%s, recon %.4f, KL %.4f\n", name, first,
              last, per, bits, sums.recon / double(steps), kl);
  std::fflush(stdout);
  CHECK(last < first);
}

}  // namespace

TEST_CASE("VRNN and GRU baseline on co2, 500 steps", "[.][experiment][vrnn-experiment]") {
  set_threads();
  const Data d = co2();
  std::printf("co2: %lld training windows, %lld held out\n", (long long)d.train->size(), (long long)d.test->size());
  const models::VrnnOptions o{.likelihood = models::VrnnLikelihood::Gaussian, .x_dim = 1, .hidden = 64, .latent = 16};
  {
    core::Generator init(seed());
    models::Vrnn m(o, init);
    run("co2 VRNN GRU h=64 z=16", m, d, false);
  }
  {
    core::Generator init(seed());
    models::Vrnn m(o, init);
    m.set_objective(models::ElboLoss(models::KlSchedule::linear(250)));  // at the stepper's step
    run("co2 VRNN, KL warm-up over 250 steps", m, d, false);
  }
  {
    core::Generator init(seed());
    models::Vrnn m(o, init);
    m.set_objective(models::ElboObjective::with_free_bits(0.05));
    run("co2 VRNN, free bits 0.05 nats per step and dim", m, d, false);
  }
  {
    core::Generator init(seed());
    models::RnnLm m({.likelihood = models::VrnnLikelihood::Gaussian, .hidden = 64}, init);
    run("co2 GRU baseline h=64", m, d, false);
  }
}

TEST_CASE("VRNN and GRU baseline on fortunes bytes, 500 steps", "[.][experiment][vrnn-experiment]") {
  set_threads();
  const Data d = fortunes();
  std::printf("fortunes: %lld training sequences, %lld held out\n", (long long)d.train->size(), (long long)d.test->size());
  {
    core::Generator init(seed());
    models::Vrnn m({.likelihood = models::VrnnLikelihood::Categorical, .hidden = 128, .latent = 16}, init);
    run("fortunes VRNN GRU h=128 z=16", m, d, true);
  }
  {
    core::Generator init(seed());
    models::RnnLm m({.likelihood = models::VrnnLikelihood::Categorical, .hidden = 128}, init);
    run("fortunes GRU baseline h=128", m, d, true);
  }
}
