// xgrad augment: does a conditional VAE enlarge a small labelled set usefully? For each
// N in --per-class, a CVAE is trained on the first N training images of each class only,
// and the built-in classifier is trained (a fixed number of steps) on those N real
// images per class plus M CVAE samples per class, for each M in --samples (0: real only);
// its accuracy on the test set makes the table. Writes augment.json, augment.csv, the
// CVAE runs (OUT/cvae-N) and their samples (OUT/samples-N.png). The data is any labelled
// images of --data (Fashion-MNIST by default, a folder of PNG images with a class per
// subfolder, IDX files): the CVAE and the classifier take its channels, size and classes.
#include <fmt/format.h>

#include <cmath>

#include "common/cli.hpp"
#include "common/csv_writer.hpp"
#include "image/classifier.hpp"
#include "image/codes.hpp"
#include "image/commands.hpp"
#include "image/data_flags.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/data/label_subset.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

/// The flags of `xgrad augment`.
struct AugmentFlags {
  CommonOptions common;
  std::string model = "cvae";
  DataOptions data;
  std::vector<std::int64_t> per_class{10, 50, 100}, samples{0, 100, 1000};
  std::int64_t cvae_steps = 2000, classifier_steps = 1000;
};

/// The data, read once: its training and test images and what the classifier must take.
struct AugmentData {
  Datasets sets;
  ClassifierShape shape;
};

/// A conditional model trained on `real` (the first n images of each class) for about `steps` steps.
TrainResult train_generator(const AugmentFlags& o, std::int64_t n, std::int64_t real, const std::string& out) {
  TrainSettings s;
  s.kind = o.model;
  s.data = o.data;
  s.data.per_class = n;
  s.data.test_limit = 500;  // the run's per-epoch test figure only informs; short epochs would repeat a full pass
  s.data.note_skipped = false;  // said once, when augment read the data
  s.batch = std::min<std::int64_t>(64, real);
  s.epochs = static_cast<int>(std::max<std::int64_t>(1, (o.cvae_steps * *s.batch + real - 1) / real));
  s.seed = o.common.seed;
  s.out = out;
  s.quiet = true;
  return train_run(s);
}

/// `real` followed by m samples of each class (labels i % classes) drawn from `model`.
std::shared_ptr<nn::TensorDataset> with_samples(const nn::Batch& real, models::GenerativeModel& model, std::int64_t m,
                                                std::int64_t classes, std::uint64_t seed) {
  const core::Index total = real.size() + m * classes;
  core::IndexTensor labels(core::Shape{total});
  for (core::Index i = 0; i < total; ++i) labels.data()[i] = i < real.size() ? real.labels.data()[i] : (i - real.size()) % classes;
  if (m == 0) return std::make_shared<nn::TensorDataset>(real.x, core::Tensor<float>{}, labels);
  autograd::NoGradGuard no_grad;
  core::Generator gen(seed);
  core::IndexTensor asked(core::Shape{m * classes});
  std::copy(labels.data() + real.size(), labels.data() + total, asked.data());
  const core::Tensor<float> drawn = flat_images(model.sample(m * classes, gen, asked));
  return std::make_shared<nn::TensorDataset>(core::concat<float>({real.x, drawn}, 0), core::Tensor<float>{}, labels);
}

/// Eight samples of each class, a class per column.
void write_samples(const std::string& path, models::GenerativeModel& model, std::int64_t classes, std::uint64_t seed) {
  autograd::NoGradGuard no_grad;
  core::Generator gen(seed);
  core::IndexTensor labels(core::Shape{8 * classes});
  for (core::Index i = 0; i < labels.numel(); ++i) labels.data()[i] = i % classes;
  write_grid(path, model.sample(8 * classes, gen, labels), static_cast<int>(classes));
}

void check_flags(const AugmentFlags& o) {
  require_kind(o.model, [](const models::ModelCapabilities& c) { return c.image && c.conditional; });
  for (std::int64_t n : o.per_class) require_positive("--per-class", static_cast<double>(n));
  for (std::int64_t m : o.samples)
    if (m < 0) throw UsageError(fmt::format("--samples must be >= 0 (got {})", m));
  require_positive("--cvae-steps", static_cast<double>(o.cvae_steps));
  require_positive("--classifier-steps", static_cast<double>(o.classifier_steps));
}

/// The images of --data (flat rows) and their classes; refuses data that is not labelled images.
AugmentData read_data(const AugmentFlags& o) {
  if (is_tabular(o.data))
    throw UsageError(fmt::format("augment: {} holds rows of a CSV, not images: augment draws images of each class and "
                                 "trains an image classifier (use a folder of PNG images or IDX files)", o.data.dir));
  DataOptions d = o.data;
  d.flatten = true;
  AugmentData data{load_datasets(d), {}};
  const DataShape& s = data.sets.shape;
  if (data.sets.classes.size() < 2)
    throw UsageError(fmt::format("augment: {} has no classes to tell apart (it needs labelled images of at least two "
                                 "classes: subfolders of an image folder, or an IDX labels file)", o.data.dir));
  data.shape = {.channels = s.channels, .height = s.height, .width = s.width,
                .classes = static_cast<std::int64_t>(data.sets.classes.size())};
  return data;
}

void run_augment(const AugmentFlags& o) {
  apply_common_options(o.common);
  check_flags(o);
  install_stop_handlers();
  const std::string out = o.common.out.empty() ? "out/augment" : o.common.out;
  ensure_writable_dir(out);
  const AugmentData data = read_data(o);
  const std::int64_t classes = data.shape.classes;
  const nn::Dataset& test = *data.sets.test;
  CsvWriter csv({"per_class", "samples_per_class", "test_accuracy"});
  nlohmann::json rows = nlohmann::json::array();
  for (std::int64_t n : o.per_class) {
    const nn::Batch real = flat_rows(*nn::label_subset(data.sets.train, {}, n), 0);
    TrainResult gen_run = train_generator(o, n, real.size(), fmt::format("{}/{}-{}", out, o.model, n));
    models::GenerativeModel& model = *gen_run.built.model;
    model.eval();
    write_samples(fmt::format("{}/samples-{}.png", out, n), model, classes, o.common.seed);
    for (std::int64_t m : o.samples) {
      const auto train = with_samples(real, model, m, classes, o.common.seed + 1);
      const auto c = fit_classifier(train, data.shape, {.steps = o.classifier_steps}, o.common.seed);
      const double acc = classifier_accuracy(*c, test);
      csv.row({double(n), double(m), acc});
      rows.push_back({{"per_class", n}, {"samples_per_class", m}, {"test_accuracy", acc}});
      fmt::print("N {:>5} real/class  M {:>5} samples/class  test accuracy {:.4f}\n", n, m, acc);
    }
  }
  csv.save(out + "/augment.csv");
  const nlohmann::json j = {{"model", o.model}, {"cvae_steps", o.cvae_steps}, {"classifier_steps", o.classifier_steps},
                            {"test_rows", test.size()}, {"rows", rows}};
  nn::write_file_atomic(out + "/augment.json", j.dump(2) + "\n");
}

}  // namespace

void add_augment_command(CLI::App& app) {
  auto o = std::make_shared<AugmentFlags>();
  auto* cmd = app.add_subcommand("augment",
                                 "Low-data regime: the built-in classifier's test accuracy trained on N real images per "
                                 "class vs those plus M samples per class of a CVAE trained on the same N");
  cmd->add_option("--model", o->model, "Conditional model: " + kinds_list([](const models::ModelCapabilities& c) {
                    return c.image && c.conditional;
                  }))->capture_default_str();
  add_data_flags(*cmd, o->data);
  cmd->add_option("--per-class", o->per_class, "Real images per class (N), e.g. 10,50,100 (the first N of each class)")->delimiter(',')->capture_default_str();
  cmd->add_option("--samples", o->samples, "Samples per class (M), e.g. 0,100,1000")->delimiter(',')->capture_default_str();
  cmd->add_option("--cvae-steps", o->cvae_steps, "Training steps of each CVAE (batch 64)")->capture_default_str();
  cmd->add_option("--classifier-steps", o->classifier_steps, "Training steps of each classifier (batch 128)")->capture_default_str();
  cmd->add_option("--test-limit", o->data.test_limit, "Use only the first N test images (0 = all)")->capture_default_str();
  add_common_options(*cmd, o->common, "Folder for augment.json, augment.csv, the CVAE runs and samples (default out/augment)", false);
  cmd->callback([o] { run_augment(*o); });
}

}  // namespace xgrad::apps
