// xgrad denoise RUN --corruption SPEC: how well the run restores corrupted test images
// (PSNR and SSIM of its outputs and of the corrupted inputs against the clean images,
// models/common/restoration.hpp, the same corrupted images as `xgrad eval --corruption`)
// and a picture: corrupted | restored | clean rows.
#include <fmt/format.h>

#include "common/cli.hpp"
#include "image/commands.hpp"
#include "image/eval.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/common/restoration.hpp"
#include "xgrad/nn/data/corruption.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad denoise`.
struct DenoiseFlags {
  std::string run, corruption, picture;
  CommonOptions common;
  std::int64_t n = 1000;  ///< test images measured (0: all)
  std::int64_t show = 8;  ///< columns of the picture
};

/// The first `show` corrupted images, their restorations and the clean images, one row each.
void write_picture(const std::string& path, models::GenerativeModel& model, const nn::Dataset& corrupted,
                   std::int64_t show) {
  autograd::NoGradGuard no_grad;
  const nn::Batch b = first_rows(corrupted, show);
  write_grid(path, core::concat<float>({flat_images(b.x), flat_images(model.reconstruct(b)), flat_images(b.y)}, 0),
             static_cast<int>(b.size()));
}

void run_denoise(const DenoiseFlags& o) {
  apply_common_options(o.common);
  require_positive("--show", static_cast<double>(o.show));
  const nn::Corruption corruption = nn::Corruption::parse(o.corruption);
  LoadedRun run = load_image_run(o.run, "denoise");
  const std::string json_path = o.common.out.empty() ? o.run + "/denoise.json" : o.common.out;
  const std::string picture = o.picture.empty() ? o.run + "/denoise.png" : o.picture;
  // Seeded by --seed and each image's index: the same corrupted images as xgrad eval --corruption.
  const nn::CorruptedDataset corrupted(load_test_set(run.data, o.n), corruption, o.common.seed);
  const models::Restoration r = models::restoration_psnr(*run.built.model, corrupted);
  nlohmann::json j = restoration_json(r, corruption);
  j["model"] = run.model_config.kind;
  write_picture(picture, *run.built.model, corrupted, o.show);
  nn::write_file_atomic(json_path, j.dump(2) + "\n");
  fmt::print("{}\n", j.dump());
}

}  // namespace

void add_denoise_command(CLI::App& app) {
  auto o = std::make_shared<DenoiseFlags>();
  auto* cmd = app.add_subcommand("denoise",
                                 "Restore corrupted test images with a run: PSNR and SSIM of the restored and of the "
                                 "corrupted images, and a picture (corrupted | restored | clean)");
  cmd->add_option("run", o->run, "Run directory")->required();
  cmd->add_option("--corruption", o->corruption, "gaussian:SIGMA|mask:P|salt:P|block:SIZE (drawn with --seed)")->required();
  cmd->add_option("--n", o->n, "Test images measured (0 = all)")->capture_default_str();
  cmd->add_option("--show", o->show, "Images in the picture")->capture_default_str();
  cmd->add_option("--picture", o->picture, "PNG to write (default RUN/denoise.png)");
  add_common_options(*cmd, o->common, "Write the JSON here instead of RUN/denoise.json", false);
  cmd->callback([o] { run_denoise(*o); });
}

}  // namespace xgrad::apps
