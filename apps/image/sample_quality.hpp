#pragma once
// How a model's samples look to the built-in classifier (classifier.hpp): the Fréchet
// distance of its features of samples to those of test images, and how many samples it
// is confident about — what `xgrad eval --samples` and `xgrad compare` report.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/classifier.hpp"
#include "image/harness.hpp"

namespace xgrad::apps {

struct SampleQuality {
  std::int64_t samples = 0;      ///< as many as the test images compared with
  double frechet_distance = 0;   ///< classifier features of the samples vs the first `samples` test images
  double confident_share = 0;    ///< samples whose largest class probability is >= the threshold
  double confidence_threshold = 0;
  /// The same share on the reference images, what the samples' share can be read against: the
  /// test images compared with, and the model's reconstructions of them (decode(encode(x))).
  double test_confident_share = 0;
  double reconstruction_confident_share = 0;
};

/// UsageError (one line) unless the run's samples can be scored: images of 1x28x28 (what the
/// classifier reads, trained on Fashion-MNIST) from a model that can sample (a vq-vae needs its prior).
void require_scorable_samples(LoadedRun& run, const std::string& run_dir);

/// Share of rows of `probabilities` (N, C) whose largest entry is >= threshold.
double confident_share(const core::Tensor<float>& probabilities, double threshold);

/// min(n, test size) samples drawn with `seed` (in chunks of 1000, so 10,000 fit in memory;
/// labels i % 10 for conditional models) against as many first test images of the run's data,
/// whose confident share (and their reconstructions') it reports too.
SampleQuality sample_quality(LoadedRun& run, Classifier& classifier, std::int64_t n, std::uint64_t seed,
                             double threshold = 0.9);

nlohmann::json to_json(const SampleQuality& q);

}  // namespace xgrad::apps
