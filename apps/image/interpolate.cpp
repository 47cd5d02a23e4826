// xgrad interpolate RUN --from I --to J --steps K --out FILE.png: decoded points
// on the segment between two test images' codes.
#include <fmt/format.h>

#include "common/cli.hpp"
#include "image/commands.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/models/common/latent.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad interpolate`.
struct InterpolateFlags {
  std::string run;
  CommonOptions common;
  std::int64_t from = 0, to = 1;
  int steps = 10;
};

void run_interpolate(const InterpolateFlags& o) {
  apply_common_options(o.common);
  if (o.steps < 2) throw UsageError(fmt::format("--steps must be at least 2 (got {})", o.steps));
  LoadedRun run = load_image_run(o.run, "interpolate");
  auto test = load_test_set(run.data, 0);
  for (auto [flag, v] : {std::pair{"--from", o.from}, std::pair{"--to", o.to}})
    if (v < 0 || v >= test->size())
      throw UsageError(fmt::format("{} must be in 0..{} (got {})", flag, test->size() - 1, v));
  autograd::NoGradGuard no_grad;
  nn::Batch a = test->get_batch({o.from}), b = test->get_batch({o.to});
  write_grid(o.common.out, models::interpolate(*run.built.model, a, b, o.steps), o.steps);
  fmt::print("wrote {}\n", o.common.out);
}

}  // namespace

void add_interpolate_command(CLI::App& app) {
  auto o = std::make_shared<InterpolateFlags>();
  auto* cmd = app.add_subcommand("interpolate", "Decode the segment between the codes of two test images");
  cmd->add_option("run", o->run, "Run directory")->required();
  cmd->add_option("--from", o->from, "Index of the first test image")->capture_default_str();
  cmd->add_option("--to", o->to, "Index of the second test image")->capture_default_str();
  cmd->add_option("--steps", o->steps, "Points on the segment, ends included (>= 2)")->capture_default_str();
  add_common_options(*cmd, o->common, "PNG file to write", true);
  cmd->callback([o] { run_interpolate(*o); });
}

}  // namespace xgrad::apps
