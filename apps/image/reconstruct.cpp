// xgrad reconstruct RUN --out FILE.png: test images above their reconstructions.
#include <fmt/format.h>

#include "common/cli.hpp"
#include "image/commands.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad reconstruct`.
struct ReconstructFlags {
  std::string run;
  CommonOptions common;
  std::int64_t n = 8;
};

void run_reconstruct(const ReconstructFlags& o) {
  apply_common_options(o.common);
  require_positive("--n", static_cast<double>(o.n));
  LoadedRun run = load_image_run(o.run, "reconstruct");
  auto test = load_test_set(run.data, o.n);
  nn::Batch b = first_rows(*test, o.n);
  autograd::NoGradGuard no_grad;
  core::Tensor<float> both = core::concat<float>({flat_images(b.x), flat_images(run.built.model->reconstruct(b))}, 0);
  write_grid(o.common.out, both, static_cast<int>(b.size()));
  fmt::print("wrote {}\n", o.common.out);
}

}  // namespace

void add_reconstruct_command(CLI::App& app) {
  auto o = std::make_shared<ReconstructFlags>();
  auto* cmd = app.add_subcommand("reconstruct", "Test images (top row) above their reconstructions (bottom row)");
  cmd->add_option("run", o->run, "Run directory")->required();
  cmd->add_option("--n", o->n, "Number of test images")->capture_default_str();
  add_common_options(*cmd, o->common, "PNG file to write", true);
  cmd->callback([o] { run_reconstruct(*o); });
}

}  // namespace xgrad::apps
