// Data-parallel training on ranks that are threads (distributed::LocalGroup): data
// shards, gradient averaging in buckets, and the trainer — N ranks with part of each
// batch train like one process with the whole batch. The same code runs over MPI in
// tests/apps/mpi_*.sh.
#include <catch2/catch.hpp>

#include <atomic>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/distributed/data_parallel.hpp"
#include "xgrad/nn/distributed/local_group.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/train/trainer.hpp"

using namespace xgrad;
using Catch::Matchers::Contains;

namespace {

/// Runs f(rank) on `n` threads at once (rank 0 on this one) and rethrows the first error.
void on_ranks(int n, const std::function<void(int)>& f) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 1; r < n; ++r)
    threads.emplace_back([&, r] {
      try {
        f(r);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  try {
    f(0);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

std::shared_ptr<nn::TensorDataset> data(core::Index n) {
  core::Generator gen(3);
  nn::Tensor x = core::normal<float>({n, 3}, 0.f, 1.f, gen), y = core::normal<float>({n, 2}, 0.f, 1.f, gen);
  return std::make_shared<nn::TensorDataset>(x, y);
}

/// Two phases with their own optimizers (as the AAE's), and noise drawn per row from
/// the step's generator (as a VAE's reparameterisation), so both must follow the batch.
struct TwoPhase : nn::Trainable {
  std::shared_ptr<nn::Linear> a, b;
  explicit TwoPhase(core::Generator& gen) {
    a = register_module("a", nn::make<nn::Linear>(nn::LinearOptions{3, 2}, gen));
    b = register_module("b", nn::make<nn::Linear>(nn::LinearOptions{2, 2}, gen));
  }
  std::vector<nn::OptimizerSpec> optimizer_specs(const nn::OptimizerOptions& o) override {
    auto first = nn::single_optimizer(a->parameters(), o), second = nn::single_optimizer(b->parameters(), o);
    first.name = "a";
    second.name = "b";
    return {first, second};
  }
  nn::StepTerms training_step(const nn::Batch& batch, nn::StepContext& ctx) override {
    const nn::Tensor noise = core::normal<float>({batch.size(), 2}, 0.f, 0.5f, ctx.gen);
    const double la = ctx.minimize(nn::mse(a->forward(nn::Var(batch.x)), core::add(batch.y, noise)), "a");
    const nn::Var h = autograd::tanh(a->forward(nn::Var(batch.x)).detach());
    const double lb = ctx.minimize(nn::mse(b->forward(h), batch.y), "b");
    return {{"loss", la + lb}, {"b", lb}};
  }
};

struct StepLosses : nn::TrainerCallback {
  std::vector<double> losses;
  void on_step_end(const nn::TrainState&, const nn::StepTerms& terms, const nn::TermSums&) override {
    losses.push_back(terms[0].second);
  }
};

struct Run {
  std::vector<double> losses;
  std::vector<std::vector<float>> weights;  ///< per rank
};

/// 13 steps over 37 rows in batches of 8 (the epoch's last batch has 5 rows).
Run train(int ranks, const std::atomic<bool>* stop_on_rank1 = nullptr) {
  nn::distributed::LocalGroup group(ranks);
  Run run;
  run.weights.resize(static_cast<std::size_t>(ranks));
  on_ranks(ranks, [&](int r) {
    core::Generator gen(11);
    TwoPhase model(gen);
    nn::Trainer t(model, gen, data(37),
                  {.budget = {.steps = 13}, .batch_size = 8, .seed = 4, .optimizer = {.lr = 0.05},
                   .stop_flag = r == 1 ? stop_on_rank1 : nullptr, .comm = &group.rank(r),
                   .data_parallel = {.bucket_bytes = 20}});
    StepLosses losses;
    t.add_callback(losses);  // called on rank 0 only
    t.fit();
    if (r == 0) run.losses = losses.losses;
    for (const auto& [name, value] : model.state_dict())
      for (float v : value.to_vector()) run.weights[static_cast<std::size_t>(r)].push_back(v);
  });
  return run;
}

std::vector<float> grads(const std::vector<nn::Var>& params) {
  std::vector<float> g;
  for (const auto& p : params)
    for (float v : p.grad().to_vector()) g.push_back(v);
  return g;
}

}  // namespace

TEST_CASE("shard_rows cuts a batch into contiguous parts that differ by at most a row", "[distributed]") {
  CHECK(nn::shard_rows(7, 0, 3).offset == 0);
  CHECK(nn::shard_rows(7, 0, 3).rows == 2);
  CHECK(nn::shard_rows(7, 1, 3).offset == 2);
  CHECK(nn::shard_rows(7, 1, 3).rows == 2);
  CHECK(nn::shard_rows(7, 2, 3).offset == 4);
  CHECK(nn::shard_rows(7, 2, 3).rows == 3);
  CHECK(nn::shard_rows(128, 1, 2).offset == 64);
  CHECK(nn::shard_rows(128, 1, 2).rows == 64);
}

TEST_CASE("the data-loader shards of every batch are together that batch", "[distributed]") {
  const auto d = data(21);  // batches of 8, 8 and 5 rows
  nn::DataLoader whole(d, {.batch_size = 8, .seed = 2}), first(d, {.batch_size = 8, .seed = 2, .shard = 0, .shards = 2}),
      second(d, {.batch_size = 8, .seed = 2, .shard = 1, .shards = 2});
  REQUIRE(first.num_batches() == 3);
  auto w = whole.iterate(1), f = first.iterate(1), s = second.iterate(1);
  for (int b = 0; b < 3; ++b, ++w, ++f, ++s) {
    std::vector<float> joined = f->x.to_vector();
    const std::vector<float> rest = s->x.to_vector();
    joined.insert(joined.end(), rest.begin(), rest.end());
    CHECK(joined == w->x.to_vector());
    CHECK(f->size() == w->size() / 2);
  }
  CHECK(f == std::default_sentinel);
  // 17 rows in batches of 8: the last batch's single row is the second part's; the first is empty.
  nn::DataLoader odd_first(data(17), {.batch_size = 8, .seed = 2, .shard = 0, .shards = 2}),
      odd_second(data(17), {.batch_size = 8, .seed = 2, .shard = 1, .shards = 2});
  auto a = odd_first.iterate(0), b = odd_second.iterate(0);
  ++a, ++a, ++b, ++b;
  CHECK(a->size() == 0);
  CHECK(b->size() == 1);
  CHECK_THROWS_WITH(nn::DataLoader(d, {.batch_size = 8, .shard = 2, .shards = 2}), Contains("shard 2 of 2"));
}

TEST_CASE("averaged gradients are the share-weighted sums, the same bits in buckets or per tensor", "[distributed]") {
  nn::distributed::LocalGroup group(2);
  std::vector<std::vector<float>> results, per_rank(2);
  std::vector<nn::distributed::ReduceStats> stats;
  for (std::size_t bucket : {std::size_t{0}, std::size_t{12}, std::size_t{1} << 20}) {
    on_ranks(2, [&](int r) {
      core::Generator gen(static_cast<std::uint64_t>(r + 1));  // different weights, hence gradients
      nn::Linear fc(nn::LinearOptions{3, 2}, gen);
      nn::mse(fc.forward(nn::Var(core::normal<float>({4, 3}, 0.f, 1.f, gen))), nn::Tensor::zeros({4, 2})).backward();
      per_rank[static_cast<std::size_t>(r)] = grads(fc.parameters());
      nn::distributed::DataParallel dp(group.rank(r), {.bucket_bytes = bucket});
      dp.average_gradients(fc.parameters(), r == 0 ? 0.25 : 0.75);
      if (r == 0) {  // Catch asserts on one thread only
        results.push_back(grads(fc.parameters()));
        stats.push_back(dp.stats());
      }
    });
  }
  REQUIRE(stats.size() == 3);
  CHECK(stats[0].calls == 2);  // a call per tensor: weight, bias
  CHECK(stats[1].calls == 3);  // 8 floats in buckets of 3
  CHECK(stats[2].calls == 1);
  for (const auto& st : stats) CHECK(st.bytes == 8 * 4);
  REQUIRE(results.size() == 3);
  CHECK(results[0] == results[1]);
  CHECK(results[1] == results[2]);
  for (std::size_t i = 0; i < results[0].size(); ++i)
    CHECK(results[0][i] == 0.25f * per_rank[0][i] + 0.75f * per_rank[1][i]);
}

TEST_CASE("broadcast gives every rank rank 0's parameters", "[distributed]") {
  nn::distributed::LocalGroup group(3);
  std::vector<std::vector<float>> seen(3);
  on_ranks(3, [&](int r) {
    core::Generator gen(static_cast<std::uint64_t>(r + 5));
    nn::Linear fc(nn::LinearOptions{3, 2}, gen);
    nn::distributed::DataParallel(group.rank(r)).broadcast(fc.parameters());
    seen[static_cast<std::size_t>(r)] = fc.state_dict()[0].second.to_vector();
  });
  CHECK(seen[1] == seen[0]);
  CHECK(seen[2] == seen[0]);
}

TEST_CASE("2 ranks with half of each batch train like 1 process with the whole batch", "[distributed]") {
  const Run one = train(1), two = train(2), again = train(2);
  REQUIRE(one.losses.size() == 13);
  REQUIRE(two.losses.size() == 13);
  for (std::size_t i = 0; i < one.losses.size(); ++i) CHECK(two.losses[i] == Approx(one.losses[i]).epsilon(1e-5));
  CHECK(two.weights[1] == two.weights[0]);  // the ranks never drift apart
  for (std::size_t i = 0; i < one.weights[0].size(); ++i) CHECK(two.weights[0][i] == Approx(one.weights[0][i]).margin(1e-5));
  CHECK(again.losses == two.losses);  // a repeated run: the same bits
  CHECK(again.weights == two.weights);
}

TEST_CASE("a stop asked of one rank stops every rank at the same step", "[distributed]") {
  std::atomic<bool> stop{true};
  const Run run = train(2, &stop);
  CHECK(run.losses.size() == 1);
  CHECK(run.weights[1] == run.weights[0]);
}
