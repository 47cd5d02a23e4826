// The hashed dropout kernel: about p of the elements dropped and the rest scaled, the same
// bits on 1 and 2 threads, and shards of a tensor together dropping what the whole drops.
#include <catch2/catch.hpp>

#include <vector>

#include "xgrad/core/dropout.hpp"
#include "xgrad/core/parallel.hpp"

using namespace xgrad::core;

namespace {

std::vector<float> dropped(Index n, int threads, std::uint64_t seed) {
  set_num_threads(threads);
  std::vector<float> x(static_cast<std::size_t>(n), 1.f), y(x.size());
  hashed_dropout(y.data(), x.data(), n, 0, 0.25f, seed);
  set_num_threads(0);
  return y;
}

}  // namespace

TEST_CASE("hashed dropout zeroes about p of the elements and scales the rest by 1/(1-p)", "[dropout]") {
  const std::vector<float> y = dropped(200000, 1, 3);
  Index zeros = 0;
  for (float v : y) {
    if (v == 0.f) ++zeros;
    else CHECK(v == 1.f / 0.75f);
  }
  CHECK(static_cast<double>(zeros) / 200000.0 == Approx(0.25).margin(0.005));
}

TEST_CASE("hashed dropout gives the same bits on 1 and 2 threads, and a new seed a new mask", "[dropout]") {
  CHECK(dropped(300000, 1, 9) == dropped(300000, 2, 9));
  CHECK(dropped(1000, 1, 9) != dropped(1000, 1, 10));
}

TEST_CASE("hashed dropout of shards with their offsets equals the whole tensor's", "[dropout]") {
  const std::vector<float> whole = dropped(1000, 1, 5);
  std::vector<float> x(1000, 1.f), parts(1000);
  hashed_dropout(parts.data(), x.data(), 300, 0, 0.25f, 5);
  hashed_dropout(parts.data() + 300, x.data() + 300, 700, 300, 0.25f, 5);
  CHECK(parts == whole);
}

TEST_CASE("hashed dropout refuses a probability below 0 or from 1 up", "[dropout]") {
  float v = 1.f;
  CHECK_THROWS(hashed_dropout(&v, &v, 1, 0, 1.f, 0));
  CHECK_THROWS(hashed_dropout(&v, &v, 1, 0, -0.1f, 0));
}
