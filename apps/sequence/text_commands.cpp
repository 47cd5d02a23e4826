// xgrad text train | generate | score | interpolate: a character-level (byte) sequence model
// (VRNN, Transformer VAE, or a baseline without latent) on any text file.
// The corpus (default: Debian's fortunes) is split by position: the first 90% trains,
// the rest validates, cut into sequences of --seq-len scored bytes.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "common/run_state.hpp"
#include "sequence/commands.hpp"
#include "sequence/sequence_training.hpp"
#include "sequence/text_commands.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/data/text.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

using nlohmann::json;

namespace {

constexpr double kValidationFraction = 0.1;

std::vector<std::string> corpus_files(const std::vector<std::string>& given) {
  return given.empty() ? nn::fortune_files() : given;
}

nn::TextCorpus slice(const nn::TextCorpus& all, core::Index start, core::Index length) {
  nn::TextCorpus part = all;
  part.tokens = core::narrow(all.tokens, 0, start, length);
  return part;
}

struct TextSplit {
  std::shared_ptr<nn::TensorDataset> train, validation;
  core::Index bytes = 0;
};

/// The training and validation sequences of a corpus, as `text train` cut them.
TextSplit split_corpus(const std::vector<std::string>& files, core::Index seq_len, core::Index val_sequences) {
  const nn::TextCorpus all = nn::read_text_files(files);
  const core::Index n = all.tokens.numel(), n_train = static_cast<core::Index>(std::floor(double(n) * (1 - kValidationFraction)));
  const core::Index needed = static_cast<core::Index>(std::ceil(double(seq_len + 1) / kValidationFraction));
  if (n - n_train < seq_len + 1)
    throw UsageError(fmt::format("the corpus ({}) has {} bytes, too few for --seq-len {}: its last 10% validates and needs "
                                 "{} bytes, so the corpus needs at least {}",
                                 files.size() == 1 ? files[0] : fmt::format("{} files", files.size()), n, seq_len,
                                 seq_len + 1, needed));
  TextSplit s;
  s.bytes = n;
  s.train = slice(all, 0, n_train).sequences(seq_len, seq_len);
  auto val = slice(all, n_train, n - n_train).sequences(seq_len, seq_len);
  if (val_sequences > 0 && val->size() > val_sequences) {
    std::vector<core::Index> first(static_cast<std::size_t>(val_sequences));
    for (core::Index i = 0; i < val_sequences; ++i) first[static_cast<std::size_t>(i)] = i;
    val = nn::TensorDataset::of_labels(val->get_batch(first).labels);
  }
  s.validation = val;
  return s;
}

/// The flags of `xgrad text train`.
struct TextTrainFlags {
  CommonOptions common;
  SequenceTrainSettings train;
  std::vector<std::string> corpus;
  core::Index seq_len = 64, val_sequences = 256;
};

void run_text_train(const TextTrainFlags& o) {
  SequenceTrainSettings s = start_sequence_run(o.common, o.train, "text train", "out/text", 2000);
  require_positive("--seq-len", static_cast<double>(o.seq_len));
  if (o.val_sequences < 0) throw UsageError(fmt::format("--val-sequences must be >= 0 (got {})", o.val_sequences));
  s.model.context = o.seq_len;  // the Transformers' positions: the training length
  check_sequence_config(s.model);
  const auto files = corpus_files(o.corpus);
  const TextSplit split = split_corpus(files, o.seq_len, o.val_sequences);
  s.data_info = {{"corpus", files}, {"bytes", split.bytes}, {"seq_len", o.seq_len},
                 {"validation_fraction", kValidationFraction}, {"val_sequences", o.val_sequences}};
  install_stop_handlers();
  const SequenceTrainResult r = train_sequence_run(s, {split.train, split.validation, o.seq_len});
  if (is_leader())  // in a data-parallel run only rank 0 holds the validation figures
    fmt::print(stderr, "trained {} for {} steps ({:.0f}s): validation {} bits/char; wrote {}\n", r.model.model->describe(),
               r.steps, r.seconds, last_metric_text(r.metrics, "val_bits_per_char"), s.out);
}

void add_train(CLI::App& text) {
  auto o = std::make_shared<TextTrainFlags>();
  o->train.model.text = true;
  o->train.model.hidden = 128;
  auto* cmd = text.add_subcommand("train", "Train a character-level VRNN on a text file; writes metrics, checkpoints and the model to --out");
  cmd->add_option("--corpus", o->corpus, "Text file(s) (default: Debian's fortunes)");
  cmd->add_option("--seq-len", o->seq_len, "Bytes scored per training sequence")->capture_default_str();
  cmd->add_option("--model", o->train.model.kind,
                  "vrnn, transformer-vae, or their baselines without latent variables: rnn, transformer")->capture_default_str();
  cmd->add_option("--hidden", o->train.model.hidden, "Recurrent state and hidden layer size")->capture_default_str();
  cmd->add_option("--latent", o->train.model.latent, "Latent dimensions per step")->capture_default_str();
  cmd->add_option("--rnn", o->train.model.cell, "Recurrent cell: gru or lstm")->capture_default_str();
  cmd->add_option("--lr", o->train.model.lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--clip", o->train.model.clip, "Global gradient-norm clip (0 = none)")->capture_default_str();
  cmd->add_option("--kl-schedule", o->train.model.kl_schedule, "KL schedule, e.g. linear:2000 or constant:1,free-bits:0.05");
  cmd->add_option("--lr-schedule", o->train.model.lr_schedule, "Learning-rate schedule advanced each step, e.g. warmup:500 or step:N:GAMMA ('' = constant)");
  cmd->add_option("--steps", o->train.steps, "Training steps (default 2000 unless --epochs or --minutes)");
  cmd->add_option("--epochs", o->train.epochs, "Passes over the training sequences");
  cmd->add_option("--minutes", o->train.minutes, "Stop after this much training time (wall clock)");
  cmd->add_option("--batch", o->train.batch, "Sequences per batch")->capture_default_str();
  cmd->add_option("--eval-every", o->train.eval_every, "Validate and checkpoint every N steps")->capture_default_str();
  cmd->add_option("--val-sequences", o->val_sequences, "Validation sequences used (0 = all)")->capture_default_str();
  cmd->add_flag("--resume", o->train.resume, "Continue from OUT/checkpoint.safetensors");
  add_transformer_options(*cmd, o->train.model);
  add_common_options(*cmd, o->common, "Run directory (default out/text)", false);
  cmd->callback([o] { run_text_train(*o); });
}

/// The flags of `xgrad text generate`.
struct TextGenerateFlags {
  std::string dir, prime;
  CommonOptions common;
  core::Index n = 400;
  models::TokenSampling sampling;
};

void run_text_generate(const TextGenerateFlags& o) {
  apply_common_options(o.common);
  require_positive("--n", static_cast<double>(o.n));
  try {
    o.sampling.check();
  } catch (const core::ValueError& e) {
    throw UsageError(fmt::format("--{}", e.what()));
  }
  LoadedSequenceRun run = load_sequence_run(o.dir, "text train");
  models::SequenceModel* model = sequence_model_of(run.model);
  if (!model) throw UsageError(fmt::format("{} holds a {} run, which cannot generate", o.dir, run.model_config.kind));
  core::IndexTensor prefix;
  if (!o.prime.empty()) prefix = nn::Vocabulary::bytes().encode(o.prime, "--prime");
  core::Generator gen(o.common.seed);
  const std::string out = bytes_of(model->generate(1, o.n, gen, o.sampling, prefix));
  if (!o.common.out.empty()) nn::write_file_atomic(o.common.out, out);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
}

void add_generate(CLI::App& text) {
  auto o = std::make_shared<TextGenerateFlags>();
  auto* cmd = text.add_subcommand("generate", "Print text sampled from a trained text model");
  cmd->add_option("dir", o->dir, "Run directory of xgrad text train")->required();
  cmd->add_option("--n", o->n, "Characters (bytes) to generate")->capture_default_str();
  cmd->add_option("--prime", o->prime, "Text to start from (printed first)");
  cmd->add_option("--temperature", o->sampling.temperature, "Sampling temperature (lower: more conservative)")->capture_default_str();
  cmd->add_option("--top-k", o->sampling.top_k, "Draw from the K most likely bytes only (0 = all)")->capture_default_str();
  cmd->add_option("--top-p", o->sampling.top_p, "Nucleus sampling: draw from the fewest most likely bytes whose probability reaches P (1 = all)")
      ->capture_default_str();
  add_common_options(*cmd, o->common, "Also write the text (without a final newline) to this file", false);
  cmd->callback([o] { run_text_generate(*o); });
}

/// The flags of `xgrad text score`.
struct TextScoreFlags {
  std::string dir, corpus;
  CommonOptions common;
  int k = 16;
  core::Index limit = 0;
};

/// The sequences `text score` scores: --corpus cut as the run cut its corpus, or the run's validation split.
std::shared_ptr<nn::TensorDataset> scored_sequences(const TextScoreFlags& o, const json& data, core::Index seq_len,
                                                    std::string& what) {
  if (o.corpus.empty()) {
    what = "the validation split";
    return split_corpus(data.at("corpus").get<std::vector<std::string>>(), seq_len, o.limit).validation;
  }
  const nn::TextCorpus c = nn::read_text_file(o.corpus);
  if (c.tokens.numel() < seq_len + 1)
    throw UsageError(fmt::format("{} has {} bytes, fewer than the model's sequence length + 1 = {}", o.corpus,
                                 c.tokens.numel(), seq_len + 1));
  what = o.corpus;
  return c.sequences(seq_len, seq_len);
}

void run_text_score(const TextScoreFlags& o) {
  apply_common_options(o.common);
  require_positive("--k", o.k);
  if (o.limit < 0) throw UsageError(fmt::format("--limit must be >= 0 (got {})", o.limit));
  LoadedSequenceRun run = load_sequence_run(o.dir, "text train");
  const auto seq_len = run.config["data"].value("seq_len", core::Index{64});
  std::string what;
  std::shared_ptr<nn::TensorDataset> seqs = scored_sequences(o, run.config["data"], seq_len, what);
  if (o.limit > 0 && seqs->size() > o.limit) {
    std::vector<core::Index> first(static_cast<std::size_t>(o.limit));
    for (core::Index i = 0; i < o.limit; ++i) first[static_cast<std::size_t>(i)] = i;
    seqs = nn::TensorDataset::of_labels(seqs->get_batch(first).labels);
  }
  core::Generator gen(o.common.seed);
  const models::EvalSums ev = evaluate_sequences(*run.model.model, *seqs, gen);
  const double iwae = iwae_sum(*run.model.model, *seqs, o.k, gen);
  const double steps = static_cast<double>(seqs->size() * seq_len), ln2 = std::log(2.0);
  const json scores = {{"characters", static_cast<long long>(steps)}, {"elbo_bits_per_char", ev.neg_elbo / steps / ln2},
                       {"iwae_bits_per_char", -iwae / steps / ln2}, {"k", o.k}, {"kl_per_step", ev.kl / steps}};
  if (!o.common.out.empty()) nn::write_file_atomic(o.common.out, scores.dump(2) + "\n");
  fmt::print("scored {} characters of {} ({} sequences of {}) under {}\n", static_cast<long long>(steps), what,
             seqs->size(), seq_len, run.model.model->describe());
  fmt::print("elbo_bits_per_char {:.4f}\n", ev.neg_elbo / steps / ln2);
  fmt::print("iwae_bits_per_char {:.4f} (k={})\n", -iwae / steps / ln2, o.k);
  fmt::print("kl_per_step {:.4f} nats\n", ev.kl / steps);
}

void add_score(CLI::App& text) {
  auto o = std::make_shared<TextScoreFlags>();
  auto* cmd = text.add_subcommand("score", "Bits per character of a text under a trained model: -ELBO and the importance-weighted bound");
  cmd->add_option("dir", o->dir, "Run directory of xgrad text train")->required();
  cmd->add_option("--corpus", o->corpus, "Text file to score (default: the run's validation split)");
  cmd->add_option("--k", o->k, "Importance samples for the bound")->capture_default_str();
  cmd->add_option("--limit", o->limit, "Score only the first N sequences (0 = all)")->capture_default_str();
  add_common_options(*cmd, o->common, "Also write the scores (JSON) to this file", false);
  cmd->callback([o] { run_text_score(*o); });
}

}  // namespace

void add_text_command(CLI::App& app) {
  auto* text = app.add_subcommand("text", "Character-level sequence models on text: train, generate, score, interpolate");
  text->require_subcommand(1);
  add_train(*text);
  add_generate(*text);
  add_score(*text);
  add_text_interpolate(*text);
}

}  // namespace xgrad::apps
