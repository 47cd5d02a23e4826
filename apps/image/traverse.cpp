// xgrad traverse RUN --out FILE.png [--layer zI]: one row per latent dimension (of one layer), that
// dimension swept over [-R, R] from a test image's code, rows ordered by KL; FILE.json
// beside it names each row's dimension and KL (the report labels the rows with them).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "common/cli.hpp"
#include "image/commands.hpp"
#include "image/latent_stats.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/common/latent.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

/// FILE.json beside FILE.png: what each row sweeps (dimension and its score), so that the
/// report can label the rows.
void write_traversal_rows(const std::string& png, const std::vector<int>& dims, const std::vector<double>& score,
                          const std::string& score_name, double range) {
  nlohmann::json rows = nlohmann::json::array();
  for (int d : dims) rows.push_back({{"dim", d}, {score_name, score[static_cast<std::size_t>(d)]}});
  const std::string path = std::filesystem::path(png).replace_extension(".json").string();
  nn::write_file_atomic(path, nlohmann::json{{"range", range}, {"score", score_name}, {"rows", rows}}.dump(2) + "\n");
}

/// The flags of `xgrad traverse`.
struct TraverseFlags {
  std::string run;
  CommonOptions common;
  std::vector<int> dims;
  std::string layer;  ///< only this latent group's dimensions (a hierarchy's layer)
  double range = 3.0;
  int steps = 9;
  std::int64_t image = 0;
};

void run_traverse(const TraverseFlags& o) {
  apply_common_options(o.common);
  require_positive("--range", o.range);
  if (o.steps < 2) throw UsageError(fmt::format("--steps must be at least 2 (got {})", o.steps));
  LoadedRun run = load_image_run(o.run, "traverse");
  auto& model = *run.built.model;
  const auto d = model.latent_dim();
  for (int dim : o.dims)
    if (dim < 0 || dim >= d) throw UsageError(fmt::format("--dims: {} is not in 0..{}", dim, d - 1));
  auto test = load_test_set(run.data, 1000);
  if (o.image < 0 || o.image >= test->size())
    throw UsageError(fmt::format("--image must be in 0..{} (got {})", test->size() - 1, o.image));
  // Each row's dimension is ranked, and labelled in the report, by its KL (the AAE has
  // no posterior: by the variance of its codes).
  std::vector<double> kl = kl_per_dim(model, *test);
  const std::string score_name = kl.empty() ? "activity" : "KL";
  const std::vector<double> score = kl.empty() ? latent_activity(model, *test) : kl;
  std::vector<int> dims = o.dims.empty() ? dims_by_score(score) : o.dims;
  if (!o.layer.empty()) {
    const std::vector<int> in_layer = layer_dims(model, o.layer);
    std::erase_if(dims, [&](int dim) { return std::find(in_layer.begin(), in_layer.end(), dim) == in_layer.end(); });
    if (dims.empty()) throw UsageError(fmt::format("--dims: none of them is in layer {}", o.layer));
  }
  autograd::NoGradGuard no_grad;
  nn::Batch base = test->get_batch({o.image});
  std::vector<core::Tensor<float>> rows;
  for (int dim : dims) rows.push_back(flat_images(models::traverse(model, base, dim, o.range, o.steps)));
  write_grid(o.common.out, core::concat<float>(rows, 0), o.steps);
  write_traversal_rows(o.common.out, dims, score, score_name, o.range);
  fmt::print("wrote {}\n", o.common.out);
}

}  // namespace

void add_traverse_command(CLI::App& app) {
  auto o = std::make_shared<TraverseFlags>();
  auto* cmd = app.add_subcommand("traverse", "Sweep latent dimensions (one row each, highest KL first)");
  cmd->add_option("run", o->run, "Run directory")->required();
  cmd->add_option("--dims", o->dims, "Dimensions to sweep (default: all, ordered by KL)")->delimiter(',');
  cmd->add_option("--layer", o->layer, "Only the dimensions of this latent layer (hvae: z1 .. z3, z3 on top)");
  cmd->add_option("--range", o->range, "Sweep each dimension over [-R, R]")->capture_default_str();
  cmd->add_option("--steps", o->steps, "Images per row (>= 2)")->capture_default_str();
  cmd->add_option("--image", o->image, "Test image whose code is the starting point")->capture_default_str();
  add_common_options(*cmd, o->common, "PNG file to write", true);
  cmd->callback([o] { run_traverse(*o); });
}

}  // namespace xgrad::apps
