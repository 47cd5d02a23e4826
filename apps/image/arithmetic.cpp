// xgrad arithmetic RUN --add A --sub B --to C: latent arithmetic with class vectors.
// Each class's vector is the mean code of its test rows; z(C) + t (z(A) - z(B)) is decoded
// for t = 1 (or t = 1/S, 2/S, ..., 1 with --steps S), beside the decoded means of A, B and C.
#include <fmt/format.h>

#include "common/cli.hpp"
#include "image/codes.hpp"
#include "image/commands.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad arithmetic`.
struct ArithmeticFlags {
  std::string run;
  CommonOptions common;
  std::int64_t add = -1, sub = -1, to = -1;
  std::int64_t steps = 1;
  std::int64_t n = 2000;  ///< test rows whose codes make the class means
};

/// The mean code (latent) of the rows labelled `label`; UsageError when there is none.
std::vector<double> class_mean(const core::Tensor<float>& codes, const std::vector<core::Index>& labels, core::Index label,
                               const char* flag) {
  const core::Index d = codes.size(1);
  std::vector<double> mean(static_cast<std::size_t>(d), 0.0);
  double count = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == label) {
      count += 1;
      for (core::Index j = 0; j < d; ++j) mean[j] += codes.data()[static_cast<core::Index>(i) * d + j];
    }
  if (count == 0) throw UsageError(fmt::format("{} {}: no test image has that label (labels of the first --n rows)", flag, label));
  for (double& v : mean) v /= count;
  return mean;
}

void run_arithmetic(const ArithmeticFlags& o) {
  apply_common_options(o.common);
  require_positive("--steps", static_cast<double>(o.steps));
  require_positive("--n", static_cast<double>(o.n));
  LoadedRun run = load_image_run(o.run, "arithmetic");
  if (!run.built.caps.has_latent) throw UsageError(fmt::format("{}: model '{}' has no latent code", o.run, run.model_config.kind));
  const nn::Batch test = flat_rows(*load_test_set(run.data, o.n), o.n);
  const std::vector<core::Index> labels = labels_of(test);
  const core::Tensor<float> codes = encode_rows(*run.built.model, test);
  const std::vector<double> a = class_mean(codes, labels, o.add, "--add"), b = class_mean(codes, labels, o.sub, "--sub"),
                            c = class_mean(codes, labels, o.to, "--to");
  const auto d = static_cast<core::Index>(a.size()), columns = 3 + o.steps;
  core::Tensor<float> z(core::Shape{columns, d});
  for (core::Index j = 0; j < d; ++j) {
    z.data()[j] = float(a[j]), z.data()[d + j] = float(b[j]), z.data()[2 * d + j] = float(c[j]);
    for (core::Index s = 1; s <= o.steps; ++s)
      z.data()[(2 + s) * d + j] = float(c[j] + double(s) / double(o.steps) * (a[j] - b[j]));
  }
  core::IndexTensor decode_labels;  // a conditional decoder draws every column as class C
  if (run.built.caps.conditional) decode_labels = core::IndexTensor::full(core::Shape{columns}, o.to);
  autograd::NoGradGuard no_grad;
  write_grid(o.common.out, run.built.model->decode(z, decode_labels), static_cast<int>(columns));
  fmt::print("wrote {}: mean of {}, of {}, of {}, then z({}) + t (z({}) - z({})) for t = 1/{} .. 1\n", o.common.out,
             o.add, o.sub, o.to, o.to, o.add, o.sub, o.steps);
}

}  // namespace

void add_arithmetic_command(CLI::App& app) {
  auto o = std::make_shared<ArithmeticFlags>();
  auto* cmd = app.add_subcommand("arithmetic",
                                 "Latent arithmetic with class vectors (mean codes): decode z(C) + z(A) - z(B), beside "
                                 "the decoded means of A, B and C; --steps S sweeps t (z(A) - z(B)) for t up to 1");
  cmd->add_option("run", o->run, "Run directory")->required();
  cmd->add_option("--add", o->add, "Class A whose vector is added")->required();
  cmd->add_option("--sub", o->sub, "Class B whose vector is subtracted")->required();
  cmd->add_option("--to", o->to, "Class C the difference is added to")->required();
  cmd->add_option("--steps", o->steps, "Steps of the sweep from C towards C + A - B")->capture_default_str();
  cmd->add_option("--n", o->n, "Test images whose codes make the class vectors")->capture_default_str();
  add_common_options(*cmd, o->common, "PNG file to write", true);
  cmd->callback([o] { run_arithmetic(*o); });
}

}  // namespace xgrad::apps
