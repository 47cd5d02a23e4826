// xgrad text interpolate RUN --from "TEXT" --to "TEXT" --steps N: the sequences a latent text
// model decodes (most likely byte at each step) along the line between the codes of two texts.
#include <fmt/format.h>

#include <string>

#include "common/cli.hpp"
#include "sequence/sequence_training.hpp"
#include "sequence/text_commands.hpp"
#include "xgrad/nn/data/text.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

struct TextInterpolateFlags {
  std::string dir, from, to;
  core::Index steps = 8;
  CommonOptions common;
};

/// The posterior mean of one text, read as `text train` reads a sequence (a newline before it).
core::Tensor<float> code_of(models::GenerativeModel& model, const std::string& text, core::Index seq_len, const char* flag) {
  if (text.empty()) throw UsageError(fmt::format("{} is empty", flag));
  if (static_cast<core::Index>(text.size()) > seq_len)
    throw UsageError(fmt::format("{} has {} bytes, more than the run's sequence length {}", flag, text.size(), seq_len));
  const core::IndexTensor ids = nn::Vocabulary::bytes().encode("\n" + text, flag);
  return model.encode(nn::Batch{{}, {}, ids.reshape({1, ids.numel()})});
}

/// Newlines and tabs as \n and \t, other control bytes as \xNN, so each decoded sequence prints
/// on one line of plain text.
std::string one_line(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out;
}

void run_text_interpolate(const TextInterpolateFlags& o) {
  apply_common_options(o.common);
  if (o.steps < 2) throw UsageError(fmt::format("--steps must be >= 2 (got {})", o.steps));
  LoadedSequenceRun run = load_sequence_run(o.dir, "text train");
  if (!models::ModelRegistry::global().at(run.model_config.kind).caps.has_latent)
    throw UsageError(fmt::format("{} holds a {} run, which has no latent code to interpolate", o.dir, run.model_config.kind));
  models::GenerativeModel& model = *run.model.model;
  const auto seq_len = run.config["data"].value("seq_len", core::Index{64});
  const core::Tensor<float> a = code_of(model, o.from, seq_len, "--from"), b = code_of(model, o.to, seq_len, "--to");
  if (a.shape() != b.shape())
    throw UsageError(fmt::format("a {} codes each step: --from and --to must have the same length (got {} and {} bytes)",
                                 run.model_config.kind, o.from.size(), o.to.size()));
  std::string lines;
  for (core::Index i = 0; i < o.steps; ++i) {
    const float t = static_cast<float>(i) / static_cast<float>(o.steps - 1);
    core::Tensor<float> z = a;
    for (core::Index j = 0; j < z.numel(); ++j) z.data()[j] = (1 - t) * a.data()[j] + t * b.data()[j];
    lines += fmt::format("{:.3f}  {}\n", t, one_line(bytes_of(model.decode(z))));
  }
  if (!o.common.out.empty()) nn::write_file_atomic(o.common.out, lines);
  fmt::print("{}", lines);
}

}  // namespace

void add_text_interpolate(CLI::App& text) {
  auto o = std::make_shared<TextInterpolateFlags>();
  auto* cmd = text.add_subcommand("interpolate", "Print what a latent text model decodes along the line between the codes of two texts");
  cmd->add_option("dir", o->dir, "Run directory of xgrad text train")->required();
  cmd->add_option("--from", o->from, "The first text")->required();
  cmd->add_option("--to", o->to, "The last text")->required();
  cmd->add_option("--steps", o->steps, "Points on the line, both ends included")->capture_default_str();
  add_common_options(*cmd, o->common, "Also write the lines to this file", false);
  cmd->callback([o] { run_text_interpolate(*o); });
}

}  // namespace xgrad::apps
