// xgrad compare: several models under the same budget, one table.
#include <fmt/format.h>

#include <functional>
#include <sstream>

#include "common/cli.hpp"
#include "image/classifier.hpp"
#include "image/commands.hpp"
#include "image/eval.hpp"
#include "image/harness.hpp"
#include "image/pictures.hpp"
#include "image/sample_quality.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string cell(const nlohmann::json& j, const char* key, const char* fmtspec = "{:.3f}") {
  if (!j.contains(key) || j[key].is_null()) return "—";
  if (j[key].is_number_integer()) return std::to_string(j[key].get<long long>());
  return fmt::format(fmt::runtime(fmtspec), j[key].get<double>());
}

/// The flags of `xgrad compare`.
struct CompareFlags {
  CommonOptions common{.out = "out/compare"};
  std::string models = "vae,cvae,beta-vae,aae";
  TrainSettings train;
  std::int64_t latent = 20;  ///< the same for every model, so the table compares like with like
  std::int64_t fid_n = 1000;
};

/// --latent for the kinds that have one latent of a size to set; the others (hvae's layers,
/// vq-vae's code grid) keep their own.
models::ModelOptions latent_option(const std::string& kind, const CompareFlags& o) {
  if (!models::ModelRegistry::global().at(kind).defaults.count("latent")) return {};
  return {{"latent", o.latent}};
}

/// The models of --models, each checked to be an image model.
std::vector<std::string> compared_kinds(const CompareFlags& o) {
  auto kinds = split_list(o.models);
  if (kinds.empty()) throw UsageError("--models is empty");
  for (const auto& k : kinds) {
    require_kind(k, [](const models::ModelCapabilities& caps) { return caps.image; });
    (void)model_config(k, latent_option(k, o));
  }
  return kinds;
}

/// The classifier when first asked for (a model without samples needs none); null on dsprites.
using ClassifierSource = std::function<Classifier*()>;

/// Trains `kind` into OUT/KIND, writes OUT/samples-KIND.png; its row of the table. No
/// classifier (dsprites): no Fréchet distance.
nlohmann::json compare_one(const std::string& kind, const CompareFlags& o, const ClassifierSource& classifier_of) {
  TrainSettings s = o.train;
  s.kind = kind;
  s.options = latent_option(kind, o);
  s.seed = o.common.seed;
  s.out = o.common.out + "/" + kind;
  fmt::print(stderr, "compare: training {}\n", kind);
  TrainResult r = train_run(s);
  LoadedRun run = load_run(s.out);
  EvalSettings es{.iwae_k = 50, .iwae_n = 200, .test_limit = s.data.test_limit, .seed = s.seed};
  nlohmann::json row = evaluate_run(run, es);
  double secs = 0;
  for (const auto& m : r.metrics) secs += m.value("seconds", 0.0);
  row["seconds_per_epoch"] = secs / std::max<double>(1, static_cast<double>(r.metrics.size()));
  row["parameters"] = run.built.model->parameter_count();
  // A model whose samples need a prior trained afterwards (vq-vae) has none yet: no samples.
  if (run.built.caps.code_prior) {
    fmt::print(stderr, "compare: {0} has no samples until its prior is trained (xgrad train-prior {1}); "
               "its Fréchet distance is left empty\n", kind, s.out);
    row["frechet_distance"] = nullptr;
    return row;
  }
  Classifier* classifier = classifier_of();
  row["frechet_distance"] = nullptr;
  if (classifier) {
    const SampleQuality q = sample_quality(run, *classifier, o.fid_n, s.seed);
    row["frechet_distance"] = q.frechet_distance;
    row["confident_share"] = q.confident_share;
  }
  const std::string grid = "samples-" + kind + ".png";
  {
    autograd::NoGradGuard no_grad;
    core::Generator gen(s.seed);
    write_grid(o.common.out + "/" + grid, run.built.model->sample(64, gen, sample_labels(run, 64, -1)), 8);
  }
  row["samples_png"] = grid;
  return row;
}

/// compare.md: the table of the rows and links to the sample grids.
std::string compare_markdown(const nlohmann::json& rows, const CompareFlags& o) {
  std::string md = fmt::format("# xgrad compare ({} epochs, seed {})\n\n", o.train.epochs, o.common.seed);
  md += "| model | test neg ELBO | IWAE LL | recon error | active units | total KL | TC | MIG | FactorVAE score | "
        "Fréchet distance | confident share | s/epoch | parameters |\n";
  md += "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  const nlohmann::json none = nlohmann::json::object();
  for (const auto& r : rows) {
    const nlohmann::json& d = r.contains("disentanglement") ? r["disentanglement"] : none;
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r["model"].get<std::string>(),
                      cell(r, "test_neg_elbo"), cell(r, "iwae_log_likelihood"), cell(r, "recon_error", "{:.4f}"),
                      cell(r, "active_units"), cell(r, "total_kl"), cell(r, "total_correlation"), cell(d, "mig"),
                      cell(d, "factor_vae"), cell(r, "frechet_distance"), cell(r, "confident_share"),
                      cell(r, "seconds_per_epoch", "{:.1f}"),
                      cell(r, "parameters"));
  }
  // Only the grids compare wrote: a model whose samples need a prior trained afterwards
  // (vq-vae) has none, and a link to it would be dead.
  md += "\nSamples: ";
  for (const auto& r : rows)
    if (r.contains("samples_png")) md += fmt::format("[{}]({}) ", r["model"].get<std::string>(), r["samples_png"].get<std::string>());
  for (const auto& r : rows)
    if (!r.contains("samples_png"))
      md += fmt::format("{} (none until `xgrad train-prior {}/{}`) ", r["model"].get<std::string>(), o.common.out,
                        r["model"].get<std::string>());
  md += "\n";
  return md;
}

void run_compare(const CompareFlags& o) {
  apply_common_options(o.common);
  const std::vector<std::string> kinds = compared_kinds(o);
  require_positive("--fid-n", static_cast<double>(o.fid_n));
  ensure_writable_dir(o.common.out);
  install_stop_handlers();
  // The Fréchet distance's features come from a Fashion-MNIST classifier.
  std::shared_ptr<Classifier> classifier;
  const ClassifierSource classifier_of = [&]() -> Classifier* {
    if (!classifier && !is_dsprites(o.train.data.dir)) classifier = load_or_train_classifier(o.train.data.dir);
    return classifier.get();
  };
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& kind : kinds) rows.push_back(compare_one(kind, o, classifier_of));
  nlohmann::json all = {{"epochs", o.train.epochs}, {"seed", o.common.seed}, {"models", rows}};
  nn::write_file_atomic(o.common.out + "/compare.json", all.dump(2) + "\n");
  const std::string md = compare_markdown(rows, o);
  nn::write_file_atomic(o.common.out + "/compare.md", md);
  std::printf("%s", md.c_str());
  fmt::print(stderr, "wrote {0}/compare.json, {0}/compare.md and the sample grids {0}/samples-MODEL.png\n", o.common.out);
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareFlags>();
  o->train.epochs = 5;
  auto* cmd = app.add_subcommand("compare", "Train several models under the same budget and tabulate them");
  cmd->add_option("--models", o->models, "Comma-separated models")->capture_default_str();
  cmd->add_option("--epochs", o->train.epochs, "Epochs per model")->capture_default_str();
  cmd->add_option("--batch", o->train.batch, batch_help([](const models::ModelCapabilities& c) { return c.image; }));
  cmd->add_option("--latent", o->latent, "Latent dimensions (every model with one latent; hvae and vq-vae keep theirs)")
      ->capture_default_str();
  cmd->add_option("--data", o->train.data.dir, "Fashion-MNIST directory, or dsprites (generated)")->capture_default_str();
  cmd->add_option("--limit", o->train.data.limit, "Use only the first N training images (0 = all)");
  cmd->add_option("--test-limit", o->train.data.test_limit, "Use only the first N test images (0 = all)");
  cmd->add_option("--fid-n", o->fid_n, "Samples and test images for the Fréchet distance")->capture_default_str();
  add_common_options(*cmd, o->common, "Directory for compare.json, compare.md and one run per model", false);
  cmd->callback([o] { run_compare(*o); });
}

}  // namespace xgrad::apps
