// xgrad anomaly RUN: scores every test row of a run trained on its normal classes only
// (xgrad train --classes) by negative ELBO, the IWAE bound and reconstruction error,
// next to a PCA-reconstruction baseline of as many components as the code has, and
// measures how well each score ranks the held-out classes first (AUROC, AUPRC).
// Writes anomaly.csv, anomaly.json and, for images, anomaly.png (most anomalous rows above
// the least).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/cli.hpp"
#include "common/csv_writer.hpp"
#include "image/codes.hpp"
#include "image/commands.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/evaluation/pca.hpp"
#include "xgrad/models/evaluation/ranking.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad anomaly`.
struct AnomalyFlags {
  std::string run;
  CommonOptions common;
  std::int64_t n = 0;        ///< test rows (0: all)
  int iwae_k = 10;
  std::int64_t pca_n = 10000;  ///< training rows the PCA baseline is fitted to
  std::int64_t top = 8;
};

/// One anomaly score per test row (higher: more anomalous), by name.
using Scores = std::vector<std::pair<std::string, std::vector<double>>>;

/// Negative ELBO, negative IWAE bound and reconstruction error of each row, for the
/// scores the model has (its capabilities say which).
Scores model_scores(LoadedRun& run, const nn::Batch& b, int k, core::Generator& gen) {
  models::GenerativeModel& model = *run.built.model;
  autograd::NoGradGuard no_grad;
  const nn::TensorDataset rows(b.x, {}, b.labels);
  std::vector<double> elbo, iwae, recon;
  for (core::Index i = 0; i < b.size(); ++i) {
    const nn::Batch one = rows.get_batch({i});
    if (run.built.caps.has_elbo) elbo.push_back(model.evaluate(one, gen).neg_elbo);
    if (run.built.caps.has_iwae) iwae.push_back(-double(model.iwae_log_likelihood(one, k, gen).data()[0]));
    const core::Tensor<float> r = flat_images(model.reconstruct(one));
    double se = 0;
    for (core::Index j = 0; j < r.numel(); ++j) se += std::pow(double(r.data()[j]) - one.x.data()[j], 2);
    recon.push_back(se / double(r.numel()));
  }
  Scores s;
  if (!elbo.empty()) s.emplace_back("neg_elbo", std::move(elbo));
  if (!iwae.empty()) s.emplace_back("neg_iwae", std::move(iwae));
  s.emplace_back("recon_error", std::move(recon));
  return s;
}

/// The table: AUROC and AUPRC of each score against `anomalous`.
nlohmann::json rank_table(const Scores& scores, const std::vector<bool>& anomalous) {
  nlohmann::json t = nlohmann::json::object();
  for (const auto& [name, v] : scores) t[name] = {{"auroc", models::auroc(v, anomalous)}, {"auprc", models::auprc(v, anomalous)}};
  return t;
}

void write_csv(const std::string& path, const Scores& scores, const std::vector<core::Index>& labels,
               const std::vector<bool>& anomalous) {
  std::vector<std::string> header{"row", "label", "anomalous"};
  for (const auto& s : scores) header.push_back(s.first);
  CsvWriter csv(header);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::vector<double> row{double(i), double(labels[i]), anomalous[i] ? 1.0 : 0.0};
    for (const auto& s : scores) row.push_back(s.second[i]);
    csv.row(row);
  }
  csv.save(path);
}

/// The `top` rows of highest score (first row of the grid) above the `top` of lowest.
void write_extremes(const std::string& path, const core::Tensor<float>& x, const std::vector<double>& score,
                    std::int64_t top) {
  std::vector<core::Index> order(score.size());
  std::iota(order.begin(), order.end(), core::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](core::Index a, core::Index b) { return score[a] > score[b]; });
  top = std::min<std::int64_t>(top, static_cast<std::int64_t>(order.size()));
  std::vector<core::Index> pick(order.begin(), order.begin() + top);
  pick.insert(pick.end(), order.end() - top, order.end());
  const nn::TensorDataset rows(x);
  write_grid(path, rows.get_batch(pick).x, static_cast<int>(top));
}

std::vector<bool> held_out(const std::vector<core::Index>& labels, const std::vector<core::Index>& normal) {
  std::vector<bool> out;
  for (core::Index l : labels) out.push_back(std::find(normal.begin(), normal.end(), l) == normal.end());
  return out;
}

void print_table(const nlohmann::json& t, const std::vector<core::Index>& normal, std::size_t rows) {
  fmt::print("normal classes {}; {} test rows\n{:<12} {:>7} {:>7}\n", fmt::join(normal, ","), rows, "score", "AUROC", "AUPRC");
  for (const auto& [name, v] : t.items())
    fmt::print("{:<12} {:>7.4f} {:>7.4f}\n", name, v["auroc"].get<double>(), v["auprc"].get<double>());
}

void run_anomaly(const AnomalyFlags& o) {
  apply_common_options(o.common);
  require_positive("--iwae-k", o.iwae_k);
  require_positive("--pca-n", static_cast<double>(o.pca_n));
  require_positive("--top", static_cast<double>(o.top));
  LoadedRun run = load_run(o.run);
  if (run.data.classes.empty())
    throw UsageError(fmt::format("{} was trained on every class: train with --classes to say which are normal", o.run));
  const std::string out = o.common.out.empty() ? o.run : o.common.out;
  ensure_writable_dir(out);
  const nn::Batch test = flat_rows(*load_test_set(run.data, o.n, true), o.n);
  const std::vector<core::Index> labels = labels_of(test);
  const std::vector<bool> anomalous = held_out(labels, run.data.classes);
  if (std::none_of(anomalous.begin(), anomalous.end(), [](bool a) { return a; }) ||
      std::all_of(anomalous.begin(), anomalous.end(), [](bool a) { return a; }))
    throw UsageError("the test rows need both normal and held-out classes (raise --n)");
  core::Generator gen(o.common.seed);
  Scores scores = model_scores(run, test, o.iwae_k, gen);
  const nn::Batch train = training_rows(run, o.pca_n);
  const core::Index k = std::min(run.built.model->latent_dim(), std::min<core::Index>(train.x.size(1), train.size() - 1));
  scores.emplace_back("pca_error", models::Pca::fit(train.x, k).reconstruction_error(test.x));
  const nlohmann::json table = rank_table(scores, anomalous);
  write_csv(out + "/anomaly.csv", scores, labels, anomalous);
  if (!is_tabular(run.data)) write_extremes(out + "/anomaly.png", test.x, scores.front().second, o.top);
  const nlohmann::json report = {{"normal_classes", run.data.classes}, {"test_rows", labels.size()},
                                 {"pca_components", k}, {"iwae_k", o.iwae_k}, {"scores", table}};
  nn::write_file_atomic(out + "/anomaly.json", report.dump(2) + "\n");
  print_table(table, run.data.classes, labels.size());
}

}  // namespace

void add_anomaly_command(CLI::App& app) {
  auto o = std::make_shared<AnomalyFlags>();
  auto* cmd = app.add_subcommand("anomaly",
                                 "Score test images of a run trained with --classes (the normal ones) by -ELBO, -IWAE and "
                                 "reconstruction error next to a PCA baseline: AUROC and AUPRC of the held-out classes");
  cmd->add_option("run", o->run, "Run directory (from xgrad train --classes ...)")->required();
  cmd->add_option("--n", o->n, "Test images to score (0 = all)")->capture_default_str();
  cmd->add_option("--iwae-k", o->iwae_k, "Importance samples for the IWAE score")->capture_default_str();
  cmd->add_option("--pca-n", o->pca_n, "Training images the PCA baseline is fitted to")->capture_default_str();
  cmd->add_option("--top", o->top, "Images in each row of anomaly.png (most and least anomalous)")->capture_default_str();
  add_common_options(*cmd, o->common, "Folder for anomaly.csv, anomaly.json and anomaly.png (default: RUN)", false);
  cmd->callback([o] { run_anomaly(*o); });
}

}  // namespace xgrad::apps
