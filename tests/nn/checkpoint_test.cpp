// Checkpoints: a saved run continues bit-identically, and a damaged file is
// refused with one line naming it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "data_util.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"

using namespace xgrad;
using Catch::Matchers::Contains;

namespace {

// A tiny regression model whose steps draw their inputs from the generator, so
// resuming needs the RNG state as well as the parameters and Adam's moments.
struct Run {
  core::Generator gen;
  std::shared_ptr<nn::Linear> fc;
  std::unique_ptr<nn::Adam> opt;
  explicit Run(std::uint64_t seed) : gen(seed) {
    fc = nn::make<nn::Linear>(nn::LinearOptions{4, 3}, gen);
    opt = std::make_unique<nn::Adam>(fc->parameters(), nn::AdamOptions{.lr = 0.05});
  }
  void steps(int n) {
    for (int k = 0; k < n; ++k) {
      nn::Tensor x = core::normal<float>({8, 4}, 0.f, 1.f, gen);
      nn::Tensor y({8, 3});
      for (core::Index i = 0; i < y.numel(); ++i) y.data()[i] = std::sin(0.3f * float(i));
      opt->zero_grad();
      nn::mse(fc->forward(nn::Var(x)), y).backward();
      opt->step();
    }
  }
  nn::Checkpoint checkpoint(double step) const {
    return {fc->state_dict(), {{"adam", opt->state()}}, {{"step", step}}, gen.state(), {{"kind", "linear"}}};
  }
  void restore(const nn::Checkpoint& c) {
    fc->load_state_dict(c.model);
    REQUIRE(c.optimizers.size() == 1);
    opt->load_state(c.optimizers[0].second);
    gen.set_state(c.rng);
  }
};

bool bitwise_equal(const nn::Tensor& a, const nn::Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.numel())) == 0;
}

}  // namespace

TEST_CASE("a checkpoint round-trips model, optimizer, progress, rng and info exactly", "[checkpoint]") {
  test::TempDir dir;
  Run run(7);
  run.steps(2);
  run.gen.normal();  // leaves a spare normal in the state
  nn::Checkpoint c = run.checkpoint(2);
  c.progress["kl_weight"] = 0.1 + 0.2;  // not exactly representable in few digits
  c.info["options"] = R"({"latent": 20})";
  const std::string path = dir.file("ck.safetensors");
  nn::save_checkpoint(path, c);
  nn::Checkpoint back = nn::load_checkpoint(path);

  REQUIRE(back.model.size() == c.model.size());
  for (std::size_t i = 0; i < c.model.size(); ++i) {
    CHECK(back.model[i].first == c.model[i].first);
    CHECK(bitwise_equal(back.model[i].second, c.model[i].second));
  }
  REQUIRE(back.optimizers.size() == 1);
  CHECK(back.optimizers[0].first == "adam");
  CHECK(back.optimizers[0].second.scalars == c.optimizers[0].second.scalars);
  REQUIRE(back.optimizers[0].second.tensors.size() == c.optimizers[0].second.tensors.size());
  for (std::size_t i = 0; i < c.optimizers[0].second.tensors.size(); ++i) {
    CHECK(back.optimizers[0].second.tensors[i].first == c.optimizers[0].second.tensors[i].first);
    CHECK(bitwise_equal(back.optimizers[0].second.tensors[i].second, c.optimizers[0].second.tensors[i].second));
  }
  CHECK(back.progress == c.progress);
  CHECK(back.rng == c.rng);
  CHECK(back.rng.has_spare_normal);
  CHECK(back.info == c.info);
}

TEST_CASE("training resumed from a checkpoint matches an uninterrupted run bit for bit", "[checkpoint]") {
  test::TempDir dir;
  Run straight(3);
  straight.steps(6);

  const std::string path = dir.file("ck.safetensors");
  {
    Run first(3);
    first.steps(3);
    nn::save_checkpoint(path, first.checkpoint(3));
  }
  Run resumed(99);  // fresh objects with different initial values
  resumed.restore(nn::load_checkpoint(path));
  resumed.steps(3);

  auto a = straight.fc->state_dict(), b = resumed.fc->state_dict();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(bitwise_equal(a[i].second, b[i].second));
  CHECK(straight.gen.state() == resumed.gen.state());
}

TEST_CASE("a truncated checkpoint is refused with one line naming the file", "[checkpoint]") {
  test::TempDir dir;
  Run run(1);
  const std::string bytes = nn::encode_checkpoint(run.checkpoint(0));
  const std::string path = dir.file("cut.safetensors");
  test::write_bytes(path, bytes.substr(0, bytes.size() - 5));
  try {
    nn::load_checkpoint(path);
    FAIL("no error");
  } catch (const nn::DataError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains(path));
    CHECK(msg.find('\n') == std::string::npos);
  }
}

TEST_CASE("a corrupted checkpoint header is refused with one line naming the file", "[checkpoint]") {
  test::TempDir dir;
  Run run(1);
  std::string bytes = nn::encode_checkpoint(run.checkpoint(0));
  bytes[9] = '!';  // inside the JSON header
  const std::string path = dir.file("bad.safetensors");
  test::write_bytes(path, bytes);
  CHECK_THROWS_AS(nn::load_checkpoint(path), nn::DataError);
  CHECK_THROWS_WITH(nn::load_checkpoint(path), Contains(path));
}

TEST_CASE("a plain safetensors file is not taken for a checkpoint", "[checkpoint]") {
  test::TempDir dir;
  const std::string path = dir.file("plain.safetensors");
  nn::TensorFile f;
  f.tensors.emplace_back("model.w", nn::Tensor::zeros({2}));
  nn::save_safetensors(path, f);
  CHECK_THROWS_WITH(nn::load_checkpoint(path), Contains("not an xgrad checkpoint") && Contains(path));
}

TEST_CASE("a missing checkpoint file is refused naming the path", "[checkpoint]") {
  CHECK_THROWS_WITH(nn::load_checkpoint("/nonexistent/ck.safetensors"), Contains("/nonexistent/ck.safetensors"));
}
