#pragma once
// Adam and AdamW, following torch.optim.Adam / AdamW (PyTorch 1.13), per parameter:
//   g = g + weight_decay * p                     (Adam: L2 penalty in the gradient)
//   p = p * (1 - lr * weight_decay)              (AdamW: decoupled decay instead)
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  vmax = max(vmax, v) (amsgrad)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)
// with t the parameter's own step count. One fused pass over p, g, m, v.
#include "xgrad/nn/optim/optimizer.hpp"

namespace xgrad::nn {

struct AdamOptions {
  double lr = 1e-3;  ///< lr of the single group made by the params constructor
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

/// AdamW's defaults differ from Adam's only in the weight decay (a separate
/// aggregate, so both take designated initializers: `AdamWOptions{.lr = 3e-4}`).
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  /// Throws ValueError for lr, eps or weight_decay < 0, or betas outside [0, 1).
  Adam(std::vector<ParamGroup> groups, AdamOptions options = {});
  Adam(std::vector<Var> params, AdamOptions options = {});

  bool steps_per_parameter() const override { return true; }
  const char* name() const override { return decoupled_ ? "AdamW" : "Adam"; }
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled);
  void update(std::size_t group, std::size_t index) override;
  std::vector<std::string> slot_names() const override { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }

 private:
  AdamOptions options_;
  bool decoupled_ = false;
};

/// Adam with decoupled weight decay (Loshchilov & Hutter): the decay shrinks the
/// parameter directly instead of entering the moments.
class AdamW : public Adam {
 public:
  AdamW(std::vector<ParamGroup> groups, AdamWOptions options = {});
  AdamW(std::vector<Var> params, AdamWOptions options = {});
};

}  // namespace xgrad::nn
