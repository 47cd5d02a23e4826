#pragma once
// The model registry (as PyTorch-VAE's dict of models, without the if/elif chain):
// each model registers its kind, what it can do, its options with their defaults,
// and a factory. Programs look a kind up here and never branch on its name; a
// model a user registers from their own code (ModelRegistry::global().add) is
// trained, evaluated and sampled by the same programs.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/nn/train/optimizers.hpp"

namespace xgrad::models {

/// What the programs may ask of a model of this kind.
struct ModelCapabilities {
  bool image = false;        ///< trains on images (xgrad train, eval, sample, ...)
  bool sequence = false;     ///< trains on sequences (xgrad text, xgrad series)
  bool conditional = false;  ///< decodes and samples given labels
  bool has_elbo = true;      ///< evaluate() is a negative ELBO (false: reconstruction only)
  bool has_iwae = true;      ///< has an importance-weighted bound
  bool has_kl = true;        ///< a KL term: takes KL schedules, reports KL per dimension
  bool prior_match = false;  ///< its codes are matched to the prior by a critic (measured by eval)
  bool has_latent = true;    ///< encodes and decodes (false: a baseline without latent)
  bool code_prior = false;   ///< discrete codes; samples need a prior trained by xgrad train-prior
  /// N data-parallel ranks may train it (false: state outside the gradients, such as the
  /// VQ-VAE's dead-code restarts, would differ between ranks, so mpirun runs are refused).
  bool data_parallel = true;
};

/// An option's value: what JSON holds (a whole number, a number, text or a flag).
using OptionValue = std::variant<bool, std::int64_t, double, std::string>;
/// A model's options by name; a kind's defaults list every option it has.
using ModelOptions = std::map<std::string, OptionValue>;

/// What a factory makes: the model and the optimizer options its options imply (lr, clip).
struct BuiltModel {
  std::shared_ptr<GenerativeModel> model;
  nn::OptimizerOptions optimizer;
};

/// The training batch of a kind that names none (ModelEntry::batch).
inline constexpr std::int64_t kDefaultBatch = 128;

struct ModelEntry {
  std::string kind{};
  std::string summary{};  ///< one line for help texts
  ModelCapabilities caps{};
  ModelOptions defaults{};
  /// Builds from complete options (every default present), drawing weights from `gen`;
  /// throws core::ValueError naming the option that is out of range.
  std::function<BuiltModel(const ModelOptions& options, core::Generator& gen)> make;
  /// The training batch when the user gives none (`xgrad train --batch`): a training
  /// default like "lr", kept apart from the options because the trainer, not the factory,
  /// reads it.
  std::int64_t batch = kDefaultBatch;
};

class ModelRegistry {
 public:
  /// The built-in models, and any added since.
  static ModelRegistry& global();

  /// Adds (or replaces) a kind. A kind with an "lr" option also gets "lr_schedule"
  /// (default '': a constant rate) unless its defaults name one.
  void add(ModelEntry entry);
  bool contains(const std::string& kind) const;
  /// core::ValueError "unknown model 'x' (choose from vae, ...)" for a kind not registered.
  const ModelEntry& at(const std::string& kind) const;
  /// The kinds whose capabilities pass `keep`, in registration order.
  std::vector<std::string> kinds(const std::function<bool(const ModelCapabilities&)>& keep = {}) const;

  /// The kind's defaults overridden by `given`. Strict: an option the kind does not have
  /// is a ValueError naming it; lenient (stored runs): such options are dropped. A value
  /// of the wrong type is always an error (a whole number is accepted for a number).
  ModelOptions complete(const std::string& kind, const ModelOptions& given, bool strict = true) const;
  /// complete(), then the kind's factory.
  BuiltModel make(const std::string& kind, const ModelOptions& given, core::Generator& gen) const;

 private:
  std::vector<ModelEntry> entries_;
};

/// Reads an option of a complete set; ValueError when it is missing or of another type.
template <class T>
T option(const ModelOptions& options, const std::string& name);

/// Registers vae, conv-vae, cvae, beta-vae, aae, factor-vae, beta-tcvae, ae, dae, dvae, vq-vae, vrnn, rnn and hvae
/// (ModelRegistry::global calls it).
void register_builtin_models(ModelRegistry& registry);

}  // namespace xgrad::models
