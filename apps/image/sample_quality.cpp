#include "image/sample_quality.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/cli.hpp"
#include "image/code_prior.hpp"
#include "image/datasets.hpp"
#include "image/frechet_distance.hpp"
#include "image/pictures.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::apps {

namespace {

// One draw for up to 1000 samples (compare's default --fid-n, whose figures stay as
// they were); larger sets in chunks: a PixelCNN prior's activations for 10,000 grids at
// once would take gigabytes.
constexpr std::int64_t kChunk = 1000;

struct ScoredImages {
  std::vector<core::Tensor<float>> features, probabilities;
  void add(Classifier& c, const core::Tensor<float>& images) {
    const core::Tensor<float> flat = flat_images(images);
    features.push_back(c.features(flat));
    probabilities.push_back(c.probabilities(flat));
  }
};

}  // namespace

void require_scorable_samples(LoadedRun& run, const std::string& run_dir) {
  const bool images_28 = !is_tabular(run.data) && !is_dsprites(run.data.dir) &&
                         first_rows(*load_test_set(run.data, 1), 1).x.numel() == 784;
  if (!images_28)
    throw UsageError(fmt::format("--samples: the built-in classifier reads 1x28x28 Fashion-MNIST-like images; {} was "
                                 "trained on {}", run_dir, run.data.dir));
  require_sampler(run, run_dir);
}

double confident_share(const core::Tensor<float>& probabilities, double threshold) {
  const core::Index n = probabilities.size(0), k = probabilities.size(1);
  std::int64_t confident = 0;
  // In float, as the probabilities are: a row at exactly 0.9f (0.89999998) is at a 0.9 threshold.
  const auto at = static_cast<float>(threshold);
  for (core::Index i = 0; i < n; ++i) {
    const float* row = probabilities.data() + i * k;
    confident += *std::max_element(row, row + k) >= at;
  }
  return static_cast<double>(confident) / static_cast<double>(std::max<core::Index>(n, 1));
}

SampleQuality sample_quality(LoadedRun& run, Classifier& classifier, std::int64_t n, std::uint64_t seed,
                             double threshold) {
  autograd::NoGradGuard no_grad;
  auto test = load_test_set(run.data, n);
  const std::int64_t count = std::min<std::int64_t>(n, test->size());
  ScoredImages real, fake, recon;
  core::Generator gen(seed);
  const core::IndexTensor labels = sample_labels(run, count, -1);
  for (std::int64_t start = 0; start < count; start += kChunk) {
    const std::int64_t m = std::min(kChunk, count - start);
    std::vector<core::Index> idx(static_cast<std::size_t>(m));
    for (std::int64_t i = 0; i < m; ++i) idx[static_cast<std::size_t>(i)] = start + i;
    const nn::Batch batch = test->get_batch(idx);
    real.add(classifier, batch.x);
    recon.add(classifier, run.built.model->reconstruct(batch));
    const core::IndexTensor part = labels.numel() ? core::narrow(labels, 0, start, m) : labels;
    fake.add(classifier, run.built.model->sample(m, gen, part));
  }
  const core::Tensor<float> fake_probs = core::concat<float>(fake.probabilities, 0);
  return {.samples = count,
          .frechet_distance = frechet_distance(core::concat<float>(fake.features, 0), core::concat<float>(real.features, 0)),
          .confident_share = confident_share(fake_probs, threshold),
          .confidence_threshold = threshold,
          .test_confident_share = confident_share(core::concat<float>(real.probabilities, 0), threshold),
          .reconstruction_confident_share = confident_share(core::concat<float>(recon.probabilities, 0), threshold)};
}

nlohmann::json to_json(const SampleQuality& q) {
  return {{"samples", q.samples}, {"frechet_distance", q.frechet_distance}, {"confident_share", q.confident_share},
          {"confidence_threshold", q.confidence_threshold}, {"test_confident_share", q.test_confident_share},
          {"reconstruction_confident_share", q.reconstruction_confident_share}};
}

}  // namespace xgrad::apps
