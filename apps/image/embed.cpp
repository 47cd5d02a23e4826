// xgrad embed RUN: the run's codes (posterior means) of test rows and of training rows,
// as CSV and safetensors, a 2-D map of the test codes (their first two principal
// components, the code itself when it is 2-D, a strip per label when it is 1-D) coloured
// by label, and the linear probe: a logistic regression's test accuracy on the codes, on
// as many principal components of the pixels, and on the raw pixels.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/cli.hpp"
#include "common/csv_writer.hpp"
#include "image/codes.hpp"
#include "image/commands.hpp"
#include "image/report_figures.hpp"
#include "xgrad/models/evaluation/linear_probe.hpp"
#include "xgrad/models/evaluation/pca.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad embed`.
struct EmbedFlags {
  std::string run;
  CommonOptions common;
  std::int64_t n = 0;             ///< test rows (0: all)
  std::int64_t train_n = 10000;   ///< training rows the probes (and the pixels' PCA) are fitted to
  std::int64_t probe_epochs = 30;
};

struct Split {
  nn::Batch rows;
  core::Tensor<float> codes;
};

void write_codes(const std::string& out, const Split& train, const Split& test) {
  const core::Index d = test.codes.size(1);
  std::vector<std::string> header{"split", "row", "label"};
  for (core::Index j = 0; j < d; ++j) header.push_back(fmt::format("z{}", j));
  CsvWriter csv(header);
  for (const auto* s : {&train, &test})
    for (core::Index i = 0; i < s->codes.size(0); ++i) {
      std::vector<double> row{s == &train ? 0.0 : 1.0, double(i), double(s->rows.labels.data()[i])};
      for (core::Index j = 0; j < d; ++j) row.push_back(s->codes.data()[i * d + j]);
      csv.row(row);
    }
  csv.save(out + "/codes.csv");
  nn::TensorFile file;
  file.tensors.emplace_back("train_codes", train.codes);
  file.tensors.emplace_back("train_labels", train.rows.labels);
  file.tensors.emplace_back("test_codes", test.codes);
  file.tensors.emplace_back("test_labels", test.rows.labels);
  file.metadata["about"] = "codes: posterior means (N, latent); labels: each row's class";
  nn::save_safetensors(out + "/codes.safetensors", file);
}

struct MapPoints {
  std::vector<double> x, y;
  std::string x_label, y_label;
};

/// A 1-D code has no second axis: each label gets a strip (y = label, spread by a fixed
/// jitter of at most 0.3 so that equal codes do not hide each other), the code runs along x.
MapPoints strips_by_label(const core::Tensor<float>& codes, const std::vector<core::Index>& labels) {
  MapPoints m{{}, {}, "z 0", "class (a strip each; points spread up and down within it)"};
  for (core::Index i = 0; i < codes.size(0); ++i) {
    const double jitter = std::fmod(0.6180339887 * static_cast<double>(i), 1.0) - 0.5;  // golden-ratio steps: even, no RNG
    m.x.push_back(codes.data()[i]);
    m.y.push_back(static_cast<double>(labels[static_cast<std::size_t>(i)]) + 0.6 * jitter);
  }
  return m;
}

/// The test codes' first two principal components (the code itself when 2-D; strips when 1-D).
MapPoints map_points(const core::Tensor<float>& codes, const std::vector<core::Index>& labels) {
  if (codes.size(1) == 1) return strips_by_label(codes, labels);
  const bool plain = codes.size(1) == 2;
  const core::Tensor<float> xy = plain ? codes : models::Pca::fit(codes, 2).project(codes);
  MapPoints m{{}, {}, plain ? "z 0" : "principal component 1 of the codes", plain ? "z 1" : "principal component 2 of the codes"};
  for (core::Index i = 0; i < xy.size(0); ++i) m.x.push_back(xy.data()[2 * i]), m.y.push_back(xy.data()[2 * i + 1]);
  return m;
}

void write_map(const std::string& path, const core::Tensor<float>& codes, const std::vector<core::Index>& labels) {
  const MapPoints m = map_points(codes, labels);
  std::vector<std::string> names;
  for (core::Index c = 0; c <= *std::max_element(labels.begin(), labels.end()); ++c) names.push_back(fmt::format("class {}", c));
  nn::write_file_atomic(path, svg_scatter_chart(m.x, m.y, labels, names, m.x_label, m.y_label) + "\n");
}

core::Index class_count(const Split& train, const Split& test) {
  core::Index most = 0;
  for (const auto* s : {&train, &test})
    for (core::Index l : labels_of(s->rows)) most = std::max(most, l);
  return std::max<core::Index>(most + 1, 2);
}

nlohmann::json probe(const core::Tensor<float>& train_x, const Split& train, const core::Tensor<float>& test_x,
                     const Split& test, const models::LinearProbeOptions& o) {
  const models::ProbeResult r =
      models::linear_probe(train_x, train.rows.labels, test_x, test.rows.labels, class_count(train, test), o);
  return {{"features", train_x.size(1)}, {"train_accuracy", r.train_accuracy}, {"test_accuracy", r.test_accuracy}};
}

void run_embed(const EmbedFlags& o) {
  apply_common_options(o.common);
  require_positive("--train-n", static_cast<double>(o.train_n));
  require_positive("--probe-epochs", static_cast<double>(o.probe_epochs));
  LoadedRun run = load_run(o.run);
  const std::string out = o.common.out.empty() ? o.run : o.common.out;
  ensure_writable_dir(out);
  Split train{training_rows(run, o.train_n), {}}, test{flat_rows(*load_test_set(run.data, o.n, true), o.n), {}};
  const std::vector<core::Index> labels = labels_of(test.rows);
  labels_of(train.rows);  // both sides need labels for the probe
  train.codes = encode_rows(*run.built.model, train.rows);
  test.codes = encode_rows(*run.built.model, test.rows);
  write_codes(out, train, test);
  write_map(out + "/map.svg", test.codes, labels);
  const models::LinearProbeOptions po{.epochs = o.probe_epochs, .seed = o.common.seed};
  const core::Index k = test.codes.size(1);
  const models::Pca pca = models::Pca::fit(train.rows.x, k);
  const nlohmann::json j = {
      {"train_rows", train.rows.size()}, {"test_rows", test.rows.size()}, {"probe_epochs", o.probe_epochs},
      {"probe", {{"codes", probe(train.codes, train, test.codes, test, po)},
                 {"pca", probe(pca.project(train.rows.x), train, pca.project(test.rows.x), test, po)},
                 {"pixels", probe(train.rows.x, train, test.rows.x, test, po)}}}};
  nn::write_file_atomic(out + "/embed.json", j.dump(2) + "\n");
  fmt::print("linear probe, test accuracy ({} training rows, {} test rows):\n", train.rows.size(), test.rows.size());
  for (const auto& [name, v] : j["probe"].items())
    fmt::print("  {:<7} {:>4} features  {:.4f}\n", name, v["features"].get<int>(), v["test_accuracy"].get<double>());
}

}  // namespace

void add_embed_command(CLI::App& app) {
  auto o = std::make_shared<EmbedFlags>();
  auto* cmd = app.add_subcommand("embed",
                                 "Codes of a run's test and training images (codes.csv, codes.safetensors), a 2-D map "
                                 "(map.svg) and the linear-probe accuracy on codes vs as many principal components vs pixels");
  cmd->add_option("run", o->run, "Run directory")->required();
  cmd->add_option("--n", o->n, "Test images (0 = all)")->capture_default_str();
  cmd->add_option("--train-n", o->train_n, "Training images the probes are fitted to")->capture_default_str();
  cmd->add_option("--probe-epochs", o->probe_epochs, "Epochs of each logistic regression")->capture_default_str();
  add_common_options(*cmd, o->common, "Folder for the codes, map.svg and embed.json (default: RUN)", false);
  cmd->callback([o] { run_embed(*o); });
}

}  // namespace xgrad::apps
