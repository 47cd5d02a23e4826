#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "xgrad/core/parallel.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad::core;

// Golden values computed outside xgrad with this Python reference (Python ints):
//   M = 2**64 - 1
//   def splitmix64(x): x = (x + 0x9e3779b97f4a7c15) & M; z = x
//       z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
//       z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M; return x, z ^ (z >> 31)
//   def next(s): r = (rotl((s[1] * 5) & M, 7) * 9) & M; t = (s[1] << 17) & M
//       s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
//       s[3] = rotl(s[3], 45); return r
TEST_CASE("seed 42 gives the reference xoshiro256** stream", "[random]") {
  Generator g(42);
  CHECK(g.state().s == std::array<std::uint64_t, 4>{0xbdd732262feb6e95ULL, 0x28efe333b266f103ULL,
                                                     0x47526757130f9f52ULL, 0x581ce1ff0e4ae394ULL});
  const std::vector<std::uint64_t> want{1546998764402558742ULL, 6990951692964543102ULL, 12544586762248559009ULL,
                                        17057574109182124193ULL, 18295552978065317476ULL};
  for (auto w : want) CHECK(g.next_u64() == w);
}

TEST_CASE("xoshiro256** matches the authors' output for state {1, 2, 3, 4}", "[random]") {
  Generator g;
  g.set_state(Generator::State{{1, 2, 3, 4}});
  CHECK(g.next_u64() == 11520ULL);
  CHECK(g.next_u64() == 0ULL);
  CHECK(g.next_u64() == 1509978240ULL);
  CHECK(g.next_u64() == 1215971899390074240ULL);
}

TEST_CASE("seed 0 starts from splitmix64's first output", "[random]") {
  CHECK(Generator(0).state().s[0] == 0xe220a8397b1dcdafULL);
}

TEST_CASE("uniform uses the top 53 bits of next_u64", "[random]") {
  Generator g(42);
  CHECK(g.uniform() == 0.08386297105988216);
  CHECK(g.uniform() == 0.3789802506626686);
  CHECK(g.uniform() == 0.6800434110281394);
}

TEST_CASE("normal is Box-Muller over 1 - u1 and u2, the sine kept for the next call", "[random]") {
  Generator g(42);
  CHECK(g.normal() == Approx(-0.303263064678738).epsilon(1e-14));
  CHECK(g.state().has_spare_normal);
  CHECK(g.normal() == Approx(0.28846173882942383).epsilon(1e-14));
  CHECK_FALSE(g.state().has_spare_normal);
}

TEST_CASE("manual_seed restarts the stream and drops the spare normal", "[random]") {
  Generator g(7);
  const auto first = g.next_u64();
  g.normal();
  g.manual_seed(7);
  CHECK_FALSE(g.state().has_spare_normal);
  CHECK(g.next_u64() == first);
}

TEST_CASE("a restored state resumes the exact stream, spare normal included", "[random]") {
  Generator g(3);
  g.normal();  // leaves a spare
  const Generator::State saved = g.state();
  REQUIRE(saved.has_spare_normal);
  std::vector<double> a;
  for (int i = 0; i < 5; ++i) a.push_back(g.normal());
  Generator h(99);
  h.set_state(saved);
  std::vector<double> b;
  for (int i = 0; i < 5; ++i) b.push_back(h.normal());
  CHECK(a == b);
  CHECK(h.state() == g.state());
}

TEST_CASE("the same seed gives the same tensors", "[random]") {
  Generator g1(123), g2(123);
  CHECK(equal(normal<float>({4, 5}, 0.f, 1.f, g1), normal<float>({4, 5}, 0.f, 1.f, g2)));
  CHECK(equal(uniform<double>({7}, -1.0, 2.0, g1), uniform<double>({7}, -1.0, 2.0, g2)));
  CHECK(equal(permutation(10, g1), permutation(10, g2)));
  Generator g3(124);
  CHECK_FALSE(equal(normal<float>({4, 5}, 0.f, 1.f, g1), normal<float>({4, 5}, 0.f, 1.f, g3)));
}

TEST_CASE("tensor draws do not depend on the thread count", "[random]") {
  const int before = num_threads();
  set_num_threads(1);
  Generator g1(5);
  auto a = normal<double>({300, 300}, 0.0, 1.0, g1);
  set_num_threads(2);
  Generator g2(5);
  auto b = normal<double>({300, 300}, 0.0, 1.0, g2);
  set_num_threads(before);
  CHECK(equal(a, b));
}

TEST_CASE("float samplers round the double draw", "[random]") {
  Generator g1(11), g2(11);
  auto f = normal<float>({50}, 1.f, 2.f, g1);
  auto d = normal<double>({50}, 1.0, 2.0, g2);
  CHECK(equal(f, d.to<float>()));
}

TEST_CASE("200k standard normals have mean 0 and variance 1", "[random]") {
  Generator g(2024);
  for (auto t : {normal<double>({200000}, 0.0, 1.0, g), normal<float>({200000}, 0.f, 1.f, g).to<double>()}) {
    double mean = 0, sq = 0;
    for (double v : t) mean += v;
    mean /= t.numel();
    for (double v : t) sq += (v - mean) * (v - mean);
    CHECK(std::abs(mean) < 0.01);
    CHECK(std::abs(sq / t.numel() - 1.0) < 0.02);
  }
}

TEST_CASE("normal scales by stddev and shifts by mean", "[random]") {
  Generator g(8);
  auto t = normal<double>({100000}, 3.0, 0.5, g);
  double mean = 0, sq = 0;
  for (double v : t) mean += v;
  mean /= t.numel();
  for (double v : t) sq += (v - mean) * (v - mean);
  CHECK(mean == Approx(3.0).margin(0.01));
  CHECK(std::sqrt(sq / t.numel()) == Approx(0.5).margin(0.01));
}

TEST_CASE("uniform stays in [lo, hi) and fills it evenly", "[random]") {
  Generator g(1);
  auto t = uniform<float>({100000}, -2.f, 3.f, g);
  CHECK(*std::min_element(t.begin(), t.end()) >= -2.f);
  CHECK(*std::max_element(t.begin(), t.end()) < 3.f);
  double mean = 0;
  for (float v : t) mean += v;
  CHECK(mean / t.numel() == Approx(0.5).margin(0.02));
}

TEST_CASE("the largest uniform draw does not round up to hi in float", "[random]") {
  // This state's next output is 2^64 - 1, so uniform() is 1 - 2^-53, which is 1.0f.
  Generator g;
  g.set_state(Generator::State{{0, 0x4fc71c71c71c71c7ULL, 0, 0}});
  Generator peek = g;
  REQUIRE(peek.uniform() == 1.0 - 0x1.0p-53);
  REQUIRE(static_cast<float>(1.0 - 0x1.0p-53) == 1.f);
  auto u = uniform<float>({1}, 0.f, 1.f, g);
  CHECK(u.item() < 1.f);
  CHECK(u.item() == std::nextafter(1.f, 0.f));
}

TEST_CASE("below is uniform over [0, n) and never reaches n", "[random]") {
  Generator g(17);
  std::vector<int> counts(7, 0);
  const int draws = 70000;
  for (int i = 0; i < draws; ++i) {
    const auto v = g.below(7);
    REQUIRE(v < 7);
    counts[v]++;
  }
  for (int c : counts) CHECK(std::abs(c - draws / 7) < 400);  // ~4.3 standard deviations
  CHECK(g.below(1) == 0);
  CHECK_THROWS_WITH(g.below(0), "below: n must be positive");
}

TEST_CASE("bernoulli with scalar p hits 1 at rate p", "[random]") {
  Generator g(21);
  auto t = bernoulli<double>({100000}, 0.3, g);
  double ones = 0;
  for (double v : t) {
    REQUIRE((v == 0.0 || v == 1.0));
    ones += v;
  }
  CHECK(ones / t.numel() == Approx(0.3).margin(0.006));  // ~4 standard deviations
  CHECK(equal(bernoulli<float>({5}, 0.f, g), Tensor<float>::zeros({5})));
  CHECK(equal(bernoulli<float>({5}, 1.f, g), Tensor<float>::ones({5})));
}

TEST_CASE("bernoulli with a tensor of probabilities draws each element at its own rate", "[random]") {
  Generator g(22);
  const int reps = 20000;
  Tensor<float> probs({4}, {0.f, 0.1f, 0.75f, 1.f});
  std::vector<double> rate(4, 0);
  for (int r = 0; r < reps; ++r) {
    auto t = bernoulli(probs, g);
    for (int i = 0; i < 4; ++i) rate[i] += t.data()[i];
  }
  CHECK(rate[0] == 0);
  CHECK(rate[1] / reps == Approx(0.1).margin(0.01));
  CHECK(rate[2] / reps == Approx(0.75).margin(0.015));
  CHECK(rate[3] == reps);
}

TEST_CASE("bernoulli rejects probabilities outside [0, 1]", "[random]") {
  Generator g;
  CHECK_THROWS_WITH(bernoulli<double>({2}, 1.5, g), "bernoulli: probability 1.5 is outside [0, 1]");
  CHECK_THROWS_AS(bernoulli(Tensor<float>({2}, {0.5f, -0.1f}), g), ValueError);
  CHECK_THROWS_AS(bernoulli(Tensor<double>({1}, {std::nan("")}), g), ValueError);
}

TEST_CASE("categorical draws each class in proportion to its weight", "[random]") {
  Generator g(31);
  const int rows = 40000;
  const std::vector<double> w{1, 0, 3, 6};  // need not sum to 1
  std::vector<double> values;
  for (int r = 0; r < rows; ++r) values.insert(values.end(), w.begin(), w.end());
  auto idx = categorical(Tensor<double>({rows, 4}, values), g);
  REQUIRE(idx.shape() == Shape{rows});
  std::vector<double> counts(4, 0);
  for (Index i : idx) counts[static_cast<std::size_t>(i)]++;
  CHECK(counts[1] == 0);
  double chi2 = 0;  // 2 degrees of freedom over the non-zero classes; P(chi2 > 13.8) = 0.001
  for (int j : {0, 2, 3}) {
    const double expect = rows * w[j] / 10.0;
    chi2 += (counts[j] - expect) * (counts[j] - expect) / expect;
  }
  CHECK(chi2 < 13.8);
}

TEST_CASE("categorical draws every row from its own weights", "[random]") {
  Generator g(32);
  auto idx = categorical(Tensor<float>({3, 3}, {0, 0, 1, 0, 2, 0, 5, 0, 0}), g);
  CHECK(idx.to_vector() == std::vector<Index>{2, 1, 0});
}

TEST_CASE("categorical rejects negative weights, zero rows and bad shapes", "[random]") {
  Generator g;
  CHECK_THROWS_WITH(categorical(Tensor<double>({2, 2}, {1, 1, 0, 0}), g),
                    "categorical: row 1 of probs of shape (2, 2) sums to zero");
  CHECK_THROWS_WITH(categorical(Tensor<double>({1, 2}, {1, -1}), g),
                    "categorical: weight -1 in row 0 of probs of shape (1, 2) is negative or not finite");
  CHECK_THROWS_WITH(categorical(Tensor<float>({3}, {1, 1, 1}), g),
                    "categorical: probs must have shape (n, k), got (3)");
  CHECK_THROWS_AS(categorical(Tensor<float>({1, 2}, {1, INFINITY}), g), ValueError);
}

TEST_CASE("permutation holds each of 0 .. n-1 once", "[random]") {
  Generator g(41);
  auto p = permutation(1000, g);
  auto v = p.to_vector();
  std::sort(v.begin(), v.end());
  CHECK(v == IndexTensor::arange(0, 1000).to_vector());
  CHECK_FALSE(equal(p, IndexTensor::arange(0, 1000)));
  CHECK(permutation(0, g).numel() == 0);
  CHECK(permutation(1, g).to_vector() == std::vector<Index>{0});
  CHECK_THROWS_WITH(permutation(-1, g), "permutation: n must be non-negative, got -1");
}

TEST_CASE("permutation puts each element at each position equally often", "[random]") {
  Generator g(42);
  const int reps = 30000;
  std::vector<int> first(4, 0);
  for (int r = 0; r < reps; ++r) first[static_cast<std::size_t>(permutation(4, g).data()[0])]++;
  for (int c : first) CHECK(std::abs(c - reps / 4) < 330);  // ~4.4 standard deviations
}

TEST_CASE("samplers reject bad arguments", "[random]") {
  Generator g;
  CHECK_THROWS_WITH(normal<double>({2}, 0.0, -1.0, g), "normal: stddev -1 is negative");
  CHECK_THROWS_WITH(uniform<float>({2}, 1.f, 0.f, g), "uniform: lo 1 is above hi 0");
}
