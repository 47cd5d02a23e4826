// Restoration PSNR: the figure by its definition, and the corrupted dataset a model is
// measured on (an identity "model" restores nothing: its outputs score the inputs' PSNR).
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "models_util.hpp"
#include "xgrad/models/common/restoration.hpp"
#include "xgrad/models/evaluation/ssim.hpp"
#include "xgrad/nn/data/corruption.hpp"

using namespace xgrad;
using namespace xgrad::models;
using namespace xgrad::models::testing;

namespace {

/// Returns its input: encode and decode are the identity on 784 pixels.
class Identity : public GenerativeModel {
 public:
  std::string kind() const override { return "identity"; }
  Index latent_dim() const override { return 784; }
  StepStats train_step(const Batch&, nn::StepContext&) override { return {}; }
  EvalSums evaluate(const Batch&, core::Generator&) override { return {}; }
  Tensor iwae_log_likelihood(const Batch&, int, core::Generator&) override { throw core::Error("none"); }
  Tensor encode(const Batch& batch) override { return batch.x; }
  Tensor decode(const Tensor& z, const IndexTensor&) override { return z; }
  Tensor sample(Index, core::Generator&, const IndexTensor&) override { throw core::Error("none"); }
};

}  // namespace

TEST_CASE("PSNR is 10 log10(1 / MSE) per image, 100 dB for an exact copy", "[restoration]") {
  const Tensor clean = Tensor::full({2, 4}, 0.5f);
  Tensor off = clean;
  for (Index j = 0; j < 4; ++j) off.at({0, j}) = 0.6f;  // MSE 0.01: 20 dB
  off.at({1, 0}) = 0.7f;                                  // MSE 0.04 / 4 = 0.01: 20 dB too
  const std::vector<double> p = psnr_per_image(off, clean);
  REQUIRE(p.size() == 2);
  CHECK(p[0] == Approx(20).epsilon(1e-5));
  CHECK(p[1] == Approx(20).epsilon(1e-5));
  CHECK(psnr_per_image(clean, clean)[0] == Approx(100));
  CHECK_THROWS_WITH(psnr_per_image(Tensor::zeros({2, 3}), clean),
                    "psnr: images (2, 3) and clean images (2, 4) do not match");
}

TEST_CASE("restoration PSNR of a model that restores nothing is the corrupted input's own", "[restoration]") {
  const nn::Batch b = fashion(40);
  auto clean = std::make_shared<nn::TensorDataset>(b.x);
  const nn::CorruptedDataset noisy(clean, nn::Corruption::parse("mask:0.5"), 3);
  Identity identity;
  const Restoration r = restoration_psnr(identity, noisy, 7);  // batches of 7: a short last one
  CHECK(r.images == 40);
  CHECK(r.output_psnr == Approx(r.input_psnr).epsilon(1e-12));
  const nn::Batch all = noisy.get_batch([] { std::vector<Index> i(40); std::iota(i.begin(), i.end(), 0); return i; }());
  const std::vector<double> p = psnr_per_image(all.x, b.x);
  CHECK(r.input_psnr == Approx(std::accumulate(p.begin(), p.end(), 0.0) / 40).epsilon(1e-12));
  CHECK(r.input_psnr < 20);  // half the pixels erased is a heavy corruption
  CHECK(restoration_psnr(identity, noisy, 500).input_psnr == Approx(r.input_psnr).epsilon(1e-12));
  CHECK_THROWS_WITH(restoration_psnr(identity, *clean), "restoration_psnr: the batches carry no clean images y");
}

TEST_CASE("restoration SSIM is scored on the rows' image shape, and equals the input's for an identity", "[restoration]") {
  const nn::Batch b = fashion(20);
  auto clean = std::make_shared<nn::TensorDataset>(b.x);
  const nn::CorruptedDataset noisy(clean, nn::Corruption::parse("gaussian:0.3"), 3);
  Identity identity;
  const Restoration r = restoration_psnr(identity, noisy, 7);
  const nn::Batch all = noisy.get_batch([] { std::vector<Index> i(20); std::iota(i.begin(), i.end(), 0); return i; }());
  const std::vector<double> s = ssim_per_image(all.x, b.x, 28, 28);
  CHECK(r.input_ssim == Approx(std::accumulate(s.begin(), s.end(), 0.0) / 20).epsilon(1e-12));
  CHECK(r.output_ssim == Approx(r.input_ssim).epsilon(1e-12));
  CHECK(r.input_ssim < 0.9);
  CHECK(image_shape_of(Tensor::zeros({2, 784})).height == 28);
  CHECK(image_shape_of(Tensor::zeros({2, 3, 5, 7})).channels == 3);
  CHECK(image_shape_of(Tensor::zeros({2, 10})).channels == 0);  // not a square: unknown
  const ImageShape colour = image_shape_of(Tensor::zeros({2, 3 * 8 * 8}));  // an image folder's flat colour rows
  CHECK((colour.channels == 3 && colour.height == 8 && colour.width == 8));
  CHECK(image_shape_of(Tensor::zeros({2, 3 * 10})).channels == 0);  // 3 times no square: unknown
}
