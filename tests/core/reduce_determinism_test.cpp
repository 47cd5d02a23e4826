// Reductions give bitwise the same result with 1 and 2 threads: the kernel cuts
// work by shape, never by thread count, and combines partial results in order.
#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/reduce.hpp"

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
