// xgrad sample RUN --out FILE.png: a grid of draws from the model.
#include <fmt/format.h>

#include <cmath>

#include "common/cli.hpp"
#include "image/code_prior.hpp"
#include "image/commands.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad sample`.
struct SampleFlags {
  std::string run;
  CommonOptions common;
  std::int64_t n = 64;
  int label = -1;
  double prior_temperature = 1.0;
};

void run_sample(const SampleFlags& o) {
  apply_common_options(o.common);
  require_positive("--n", static_cast<double>(o.n));
  LoadedRun run = load_image_run(o.run, "sample");
  require_sampler(run, o.run);
  set_prior_temperature(run, o.run, o.prior_temperature);
  core::IndexTensor labels = sample_labels(run, o.n, o.label);
  autograd::NoGradGuard no_grad;
  core::Generator gen(o.common.seed);
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(o.n))));
  write_grid(o.common.out, run.built.model->sample(o.n, gen, labels), cols);
  fmt::print("wrote {}\n", o.common.out);
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto o = std::make_shared<SampleFlags>();
  auto* cmd = app.add_subcommand("sample",
                                 "Draw samples from a trained model into a PNG grid (models without a prior, ae and "
                                 "dae, decode draws of a Gaussian fitted to their training codes)");
  cmd->add_option("run", o->run, "Run directory")->required();
  cmd->add_option("--n", o->n, "Number of samples")->capture_default_str();
  cmd->add_option("--label", o->label, "Class to condition on, 0..9 on Fashion-MNIST (conditional models; default: all classes)");
  cmd->add_option("--prior-temperature", o->prior_temperature,
                  "vq-vae: draw each code from softmax(logits / T) of its prior (1: the prior itself; below 1 sharper)")
      ->capture_default_str();
  add_common_options(*cmd, o->common, "PNG file to write", true);
  cmd->callback([o] { run_sample(*o); });
}

}  // namespace xgrad::apps
