// The oneDNN convolutions' plan cache (core/conv_dnnl.cpp) stays bounded when a program
// meets ever new batch sizes, and a plan dropped from it is built again with the same bits.
#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/detail/conv_dnnl.hpp"

using namespace xgrad::core;

namespace {

// A small convolution on oneDNN's path (k 3, 2 -> 8 channels on 5 x 5 images); above 512
// images its chunks grow with the batch, so every batch size below needs plans of its own.
Tensor<float> small_conv(Index images, const Tensor<float>& w) {
  const auto x = xgrad::test::random_tensor<float>({images, 2, 5, 5}, static_cast<unsigned>(images));
  Conv2dParams p;
  p.padding = {1, 1};
  return conv2d(x, w, Tensor<float>(), p);
}

}  // namespace

TEST_CASE("the oneDNN convolution plans stay bounded over many batch sizes, and come back with the same bits",
          "[conv]") {
  const auto w = xgrad::test::random_tensor<float>({8, 2, 3, 3}, 3);
  const Index first = 600;
  const Tensor<float> before = small_conv(first, w);
  const std::size_t limit = detail::dnnl_conv_plans_max();
  // Each size above 512 images brings a chunk size (and a last chunk) of its own: enough
  // sizes to fill the cache and push the first ones out.
  for (Index n = first + 17; detail::dnnl_conv_plans_cached() < limit || n < first + 17 * Index(limit); n += 17) {
    small_conv(n, w);
    REQUIRE(detail::dnnl_conv_plans_cached() <= limit);
  }
  CHECK(detail::dnnl_conv_plans_cached() == limit);
  // The first size's plans were the least recently used: built again, the same bits.
  CHECK(small_conv(first, w).to_vector() == before.to_vector());
}
