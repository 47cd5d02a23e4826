// xgrad train: one model on the data of --data (Fashion-MNIST by default) into a run directory.
#include <fmt/format.h>

#include "common/cli.hpp"
#include "common/run_state.hpp"
#include "image/commands.hpp"
#include "image/data_flags.hpp"
#include "image/harness.hpp"
#include "image/model_flags.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad train`.
struct TrainFlags {
  CommonOptions common;
  TrainSettings train;
  ModelFlags flags;
};

void run_train(const TrainFlags& o) {
  apply_common_options(o.common);
  TrainSettings s = o.train;
  s.options = o.flags.options();
  s.seed = o.common.seed;
  s.out = o.common.out.empty() ? "out/" + s.kind : o.common.out;
  s.out_note = default_out_note(o.common, s.out);
  install_stop_handlers();
  TrainResult r = train_run(s);
  if (is_leader())
    fmt::print(stderr, "trained {} for {} epochs: test loss {}; wrote {}\n", s.kind, s.epochs,
               last_metric_text(r.metrics, "test_loss"), s.out);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainFlags>();
  auto* cmd = app.add_subcommand("train", "Train a model on Fashion-MNIST or your own data; writes metrics, checkpoints and pictures to --out");
  cmd->add_option("--model", o->train.kind,
                  "Model: " + kinds_list([](const models::ModelCapabilities& c) { return c.image; }))
      ->capture_default_str();
  add_data_flags(*cmd, o->train.data);
  cmd->add_option("--epochs", o->train.epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch", o->train.batch, batch_help([](const models::ModelCapabilities& c) { return c.image; }));
  o->flags.add(*cmd, true);
  cmd->add_option("--limit", o->train.data.limit, "Use only the first N training images (0 = all; dsprites: N drawn at random)")->capture_default_str();
  cmd->add_option("--classes", o->train.data.classes, "Train only on these labels, e.g. 0,1,2 (the normal data of xgrad anomaly)")
      ->delimiter(',');
  cmd->add_option("--per-class", o->train.data.per_class, "Train only on the first N images of each label (0 = all)");
  cmd->add_option("--test-limit", o->train.data.test_limit, "Use only the first N test images (0 = all)")->capture_default_str();
  cmd->add_flag("--resume", o->train.resume, "Continue from OUT/checkpoint.safetensors");
  cmd->add_option("--stop-after-steps", o->train.stop_after_steps, "Stop as on SIGINT after N steps (for tests)")
      ->group("");  // hidden: a deterministic interruption point for the resume tests
  add_common_options(*cmd, o->common, "Run directory (default out/MODEL)", false);
  cmd->callback([o] { run_train(*o); });
}

}  // namespace xgrad::apps
