// The fused residual stack's backward when each chunk's weight gradients go to OIHW before
// the sum (GradSlices with inner = false), the path taken when the last chunk's kernels chose
// other weight-gradient layouts than the full chunks'. No shape has been seen to do that
// (oneDNN 2.6.3, AVX-512: every convolution of the stack, head, stem, tail and last keeps its
// layout for batches of 1 to 32), so the test forces it through core's testing switch.
#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/detail/residual_dnnl.hpp"
#include "xgrad/core/residual_block.hpp"
#include "converted.hpp"
#include "residual_checks.hpp"

using namespace xgrad::core;
using namespace xgrad::test;  // the residual fixtures and checks, random_tensor

namespace {

// x (n, 1, 28, 28) -> head (1 -> 32, 4x4 / 2) -> stem (32 -> 64, 4x4 / 2) -> two blocks of
// 32 hidden channels -> relu -> tail (64 -> 32, 4x4 / 2) -> last (32 -> 1, 4x4 / 2): every
// weight gradient the fused pass sums.
template <class T>
struct FullStack {
  Tensor<T> x, hw, hb, sw, sb, tw, tb, lw, lb;
  BlockParams<T> params;
  Conv2dParams p{{2, 2}, {1, 1}, {1, 1}};
  std::vector<ResidualWeights<T>> weights() const { return block_weights(params); }
  ResidualStem<T> stem() const {
    ResidualStem<T> s{&sw, &sb, p};
    s.head_w = &hw, s.head_b = &hb, s.head_p = p;
    s.tail_w = &tw, s.tail_b = &tb, s.tail_p = p;
    s.last_w = &lw, s.last_b = &lb, s.last_p = p;
    return s;
  }
};

FullStack<float> full_stack(Index n, unsigned seed) {
  FullStack<float> f{random_tensor<float>({n, 1, 28, 28}, seed, 0, 1),
                     random_tensor<float>({32, 1, 4, 4}, seed + 1, -0.5, 0.5),
                     random_tensor<float>({32}, seed + 2, -0.2, 0.2),
                     random_tensor<float>({64, 32, 4, 4}, seed + 3, -0.1, 0.1),
                     random_tensor<float>({64}, seed + 4, -0.1, 0.1),
                     random_tensor<float>({64, 32, 4, 4}, seed + 5, -0.1, 0.1),
                     random_tensor<float>({32}, seed + 6, -0.1, 0.1),
                     random_tensor<float>({32, 1, 4, 4}, seed + 7, -0.2, 0.2),
                     random_tensor<float>({1}, seed + 8, -0.1, 0.1),
                     {}};
  f.params = two_blocks<float>(seed + 9);
  return f;
}

Tensor<double> to_double(const Tensor<float>& t) { return xgrad::test::converted<double>(t); }

FullStack<double> to_double(const FullStack<float>& f) {
  return {to_double(f.x),  to_double(f.hw), to_double(f.hb), to_double(f.sw), to_double(f.sb), to_double(f.tw),
          to_double(f.tb), to_double(f.lw), to_double(f.lb), blocks_in_double(f.params), f.p};
}

// Every gradient but x's: the last's, tail's, head's, stem's w and b, then each block's.
template <class T>
std::vector<Tensor<T>> weight_grads(const ResidualStackGrads<T>& g) {
  std::vector<Tensor<T>> all{g.last[0], g.last[1], g.tail[0], g.tail[1], g.head[0], g.head[1], g.stem[0], g.stem[1]};
  for (const auto& b : g.blocks) all.insert(all.end(), b.begin(), b.end());
  return all;
}
const char* const kOrder = "last w, b, tail w, b, head w, b, stem w, b, then each block's";

// The per-chunk OIHW path forced while alive, and how many backward passes took it.
struct ForcedOihwSum {
  std::uint64_t before = detail::residual_oihw_sum_count();
  ForcedOihwSum() { detail::force_residual_oihw_sum(true); }
  ~ForcedOihwSum() { detail::force_residual_oihw_sum(false); }
  std::uint64_t taken() const { return detail::residual_oihw_sum_count() - before; }
};

// 33 images: chunks of 17 then 16, so the last chunk has its own plan (and slot size).
constexpr Index kImages = 33;

}  // namespace

TEST_CASE("the fused stack's per-chunk OIHW sum matches the double path", "[residual_block]") {
  const auto f = full_stack(kImages, 401);
  const auto gy = random_tensor<float>({kImages, 1, 28, 28}, 403);
  const ForcedOihwSum forced;
  const auto got = forward_backward(f, gy);
  REQUIRE(forced.taken() == 1);
  REQUIRE((got.out.head_fused && got.out.tail_fused && got.out.last_fused));
  const auto want = forward_backward(to_double(f), to_double(gy));
  check_near_double({got.out.y, got.g.x, weight_grads(got.g)},
                                 {want.out.y, want.g.x, weight_grads(want.g)}, kOrder);
}

TEST_CASE("the fused stack's per-chunk OIHW sum gives identical bits on 1 and 2 threads", "[residual_block]") {
  const auto f = full_stack(kImages, 409);
  const auto gy = random_tensor<float>({kImages, 1, 28, 28}, 419);
  const ForcedOihwSum forced;
  const auto r = on_one_and_two_threads([&] { return forward_backward(f, gy); });
  REQUIRE(forced.taken() == 2);
  check_same_bits<float>({r[0].out.y, r[0].g.x, weight_grads(r[0].g)},
                                      {r[1].out.y, r[1].g.x, weight_grads(r[1].g)});
}

TEST_CASE("the fused stack's gradients are the same bits summed per chunk in OIHW or in the kernels' layouts",
          "[residual_block]") {
  // The reorder only moves values and the sum is elementwise in chunk order either way.
  const auto f = full_stack(kImages, 421);
  const auto gy = random_tensor<float>({kImages, 1, 28, 28}, 431);
  const std::uint64_t before = detail::residual_oihw_sum_count();
  const auto kernels = forward_backward(f, gy);
  // This shape keeps its layouts unforced on oneDNN 2.6.3 / AVX-512; elsewhere the comparison
  // below may be of the per-chunk path with itself, which is still a valid check but says so.
  if (detail::residual_oihw_sum_count() != before) WARN("this oneDNN took the per-chunk OIHW path unforced");
  const auto oihw = [&] {
    const ForcedOihwSum forced;
    auto r = forward_backward(f, gy);
    CHECK(forced.taken() == 1);
    return r;
  }();
  check_same_bits<float>({kernels.out.y, kernels.g.x, weight_grads(kernels.g)},
                                      {oihw.out.y, oihw.g.x, weight_grads(oihw.g)});
}
