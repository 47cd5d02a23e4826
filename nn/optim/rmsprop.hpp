#pragma once
// RMSprop, following torch.optim.RMSprop (PyTorch 1.13), per parameter:
//   g = g + weight_decay * p
//   s = alpha s + (1 - alpha) g^2
//   a = sqrt(s) + eps, or when centered (a = alpha a_g + (1 - alpha) g, the mean gradient)
//       sqrt(s - a_g^2) + eps
//   b = momentum b + g / a;  p = p - lr b      (momentum > 0)
//   p = p - lr g / a                            (otherwise)
#include "xgrad/nn/optim/optimizer.hpp"

namespace xgrad::nn {

struct RMSpropOptions {
  double lr = 1e-2;  ///< lr of the single group made by the params constructor
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  /// Throws ValueError for negative hyperparameters or alpha outside [0, 1].
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions options = {});
  RMSprop(std::vector<Var> params, RMSpropOptions options = {});

  bool steps_per_parameter() const override { return true; }
  const char* name() const override { return "RMSprop"; }
  const RMSpropOptions& options() const { return options_; }

 protected:
  void update(std::size_t group, std::size_t index) override;
  std::vector<std::string> slot_names() const override { return {"square_avg", "grad_avg", "momentum_buffer"}; }

 private:
  template <bool Centered, bool Momentum>
  void update_as(std::size_t group, std::size_t index);

  RMSpropOptions options_;
};

}  // namespace xgrad::nn
