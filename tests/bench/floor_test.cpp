// The floors of the convolutional steps (bench/models/floor_steps.cpp) time the kernels
// the steps run: per pass (forward, input gradient, weight gradient), as many
// convolutions on oneDNN and on im2col as core's convolutions run in one train step.
#include <catch2/catch.hpp>

#include "models/floor.hpp"
#include "xgrad/core/detail/conv_path.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/models/vq_vae.hpp"

using namespace xgrad;
using core::detail::ConvPathCounts;

namespace {

ConvPathCounts floor_counts(const bench::Floor& f) {
  ConvPathCounts c;
  for (const auto& choice : f.conv_choices()) (choice.dnnl ? c.dnnl : c.im2col)[static_cast<int>(choice.pass)]++;
  return c;
}

ConvPathCounts step_counts(models::GenerativeModel& model, core::Generator& gen) {
  const nn::Batch batch{.x = core::uniform<float>({128, 784}, 0.f, 1.f, gen), .y = {}, .labels = {}};
  models::Stepper stepper(model, gen);
  const ConvPathCounts before = core::detail::conv_path_counts();
  stepper.step(batch);
  ConvPathCounts after = core::detail::conv_path_counts();
  for (int pass = 0; pass < 3; ++pass) after.dnnl[pass] -= before.dnnl[pass], after.im2col[pass] -= before.im2col[pass];
  return after;
}

void check_same(const ConvPathCounts& floor, const ConvPathCounts& step) {
  for (int pass = 0; pass < 3; ++pass) {
    INFO("pass " << pass << " (forward, input gradient, weight gradient)");
    CHECK(floor.dnnl[pass] == step.dnnl[pass]);
    CHECK(floor.im2col[pass] == step.im2col[pass]);
  }
}

}  // namespace

TEST_CASE("floor: the conv-VAE floor's convolutions take the step's paths") {
  core::Generator gen(0);
  models::Vae vae(models::VaeOptions{.arch = models::VaeOptions::Arch::Conv}, gen);
  const ConvPathCounts floor = floor_counts(bench::conv_vae_step_floor());
  CHECK(floor.dnnl[0] > 0);  // a floor of im2col alone would not test the choice
  check_same(floor, step_counts(vae, gen));
}

TEST_CASE("floor: the VQ-VAE floor's convolutions take the step's paths") {
  core::Generator gen(0);
  models::VqVae vq(models::VqVaeOptions{}, gen);
  const ConvPathCounts floor = floor_counts(bench::vq_vae_step_floor());
  CHECK(floor.dnnl[0] > 0);
  CHECK(floor.im2col[0] == 0);  // the encoder's 1x1 convolution is a Linear on rows (forward_rows)
  check_same(floor, step_counts(vq, gen));
}
