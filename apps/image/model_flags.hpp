#pragma once
// The model options a command line may set (--latent, --lr, ...). Only the flags
// given become options: the kind's registered defaults fill the rest, and a flag the
// kind has no option for is an error naming both.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/models/common/registry.hpp"

namespace xgrad::apps {

class ModelFlags {
 public:
  /// Adds --latent, and with `all` also --codes, --dim, --width, --ema, --prior, --prior-width, --prior-layers, --prior-heads, --prior-dropout, --latents, --lr, --lr-schedule, --beta, --capacity, --iwae-k, --kl-schedule, --hidden,
  /// the disentangling VAEs' --alpha, --gamma, --sampling, and the autoencoders' --arch and --corruption.
  void add(CLI::App& cmd, bool all);
  /// The options of the flags given.
  models::ModelOptions options() const;

 private:
  template <class T>
  void flag(CLI::App& cmd, const std::string& name, const std::string& option, T& into, const std::string& help) {
    flags_.emplace_back(cmd.add_option(name, into, help), [option, &into](models::ModelOptions& o) { o[option] = into; });
  }
  std::int64_t latent_ = 0, iwae_k_ = 1, codes_ = 0, dim_ = 0, width_ = 0, prior_width_ = 0, prior_layers_ = 0, prior_heads_ = 0;
  bool ema_ = false;
  double lr_ = 0, beta_ = 0, capacity_ = 0, alpha_ = 0, gamma_ = 0, prior_dropout_ = 0;
  std::string kl_schedule_, lr_schedule_, hidden_, latents_, sampling_, arch_, corruption_, prior_;
  std::vector<std::pair<CLI::Option*, std::function<void(models::ModelOptions&)>>> flags_;
};

}  // namespace xgrad::apps
