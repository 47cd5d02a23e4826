// Reductions give bitwise the same result with 1 and 2 threads: the kernel cuts
// work by shape, never by thread count, and combines partial results in order.
#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/shape_ops.hpp"

using namespace xgrad::core;
using xgrad::test::random_tensor;
using xgrad::test::same_bits;

namespace {

/// f() with 1 thread and with 2; restores the default afterwards.
template <class F>
auto with_1_and_2_threads(F f) {
  set_num_threads(1);
  auto one = f();
  set_num_threads(2);
  auto two = f();
  set_num_threads(0);
  return std::make_pair(std::move(one), std::move(two));
}

}  // namespace

TEST_CASE("full reductions of 1M floats are bitwise the same with 1 and 2 threads", "[reduce][determinism]") {
  const auto x = random_tensor<float>({1 << 20}, 2024, -10, 10);
  auto check = [&](const char* name, auto f) {
    INFO(name);
    const auto [one, two] = with_1_and_2_threads([&] { return f(x); });
    CHECK(same_bits(one, two));
  };
  check("sum", [](const auto& t) { return sum(t); });
  check("mean", [](const auto& t) { return mean(t); });
  check("var", [](const auto& t) { return var(t); });
  check("logsumexp", [](const auto& t) { return logsumexp(t); });
  check("max", [](const auto& t) { return max(t); });
}

TEST_CASE("multi-axis reductions are bitwise the same with 1 and 2 threads", "[reduce][determinism]") {
  // Rows, columns (with row blocks and tail columns) and the permuted layout.
  const auto x = random_tensor<float>({24, 700, 61}, 7, -3, 3);
  for (const Axes& axes : {Axes{2}, Axes{1}, Axes{0}, Axes{0, 2}, Axes{0, 1}, Axes{1, 2}, Axes{}}) {
    INFO("axes of size " << axes.size() << (axes.empty() ? " (all)" : ""));
    const auto [s1, s2] = with_1_and_2_threads([&] { return sum(x, axes); });
    const auto [v1, v2] = with_1_and_2_threads([&] { return var(x, axes, true); });
    const auto [l1, l2] = with_1_and_2_threads([&] { return logsumexp(x, axes); });
    CHECK(same_bits(s1, s2));
    CHECK(same_bits(v1, v2));
    CHECK(same_bits(l1, l2));
  }
  const auto [a1, a2] = with_1_and_2_threads([&] { return argmax(x, 1); });
  CHECK(equal(a1, a2));
}

TEST_CASE("a long row split into blocks matches across thread counts in double too", "[reduce][determinism]") {
  const auto x = random_tensor<double>({3, 300001}, 99);
  const auto [one, two] = with_1_and_2_threads([&] { return logsumexp(x, {1}); });
  CHECK(same_bits(one, two));
}

TEST_CASE("reductions over axes on both sides of a kept one equal the permuted tensor's, bit for bit",
          "[reduce][determinism]") {
  // Gathered rows must be the same rows, cut into the same pieces, as reducing the
  // tensor with the reduced axes moved to the back: a bias gradient over N, H, W of
  // NCHW (segments of 49 and 196, not multiples of a batch), a row past one 8192
  // block, rows shorter than a batch, three reduced groups.
  struct Case {
    Shape shape;
    Axes axes;
    std::vector<int> perm;  // kept axes in order, then reduced ones
    Axes moved;             // the reduced axes after the permutation
  };
  const Case cases[] = {{{128, 64, 7, 7}, {0, 2, 3}, {1, 0, 2, 3}, {1, 2, 3}},
                        {{128, 32, 14, 14}, {0, 2, 3}, {1, 0, 2, 3}, {1, 2, 3}},
                        {{3, 5, 2}, {0, 2}, {1, 0, 2}, {1, 2}},
                        {{4, 3, 5, 6, 7}, {0, 2, 4}, {1, 3, 0, 2, 4}, {2, 3, 4}},
                        {{2, 3, 4, 5}, {0, 3}, {1, 2, 0, 3}, {2, 3}}};
  for (const Case& c : cases) {
    INFO("shape " << c.shape.str());
    const auto x = random_tensor<float>(c.shape, 11, -3, 3);
    const auto xp = permute(x, c.perm);
    CHECK(same_bits(sum(x, c.axes), sum(xp, c.moved)));
    CHECK(same_bits(mean(x, c.axes, true), mean(xp, c.moved).reshape(mean(x, c.axes, true).shape())));
    CHECK(same_bits(var(x, c.axes), var(xp, c.moved)));
    CHECK(same_bits(logsumexp(x, c.axes), logsumexp(xp, c.moved)));
    CHECK(same_bits(max(x, c.axes), max(xp, c.moved)));
    const auto [one, two] = with_1_and_2_threads([&] { return sum(x, c.axes); });
    CHECK(same_bits(one, two));
  }
}
