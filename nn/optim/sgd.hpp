#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2
// weight decay, following torch.optim.SGD (PyTorch 1.13):
//   d = g + weight_decay * p
//   b = d on the first step, else momentum * b + (1 - dampening) * d
//   d = nesterov ? d + momentum * b : b          (when momentum != 0)
//   p = p - lr * d
#include "xgrad/nn/optim/optimizer.hpp"

namespace xgrad::nn {

struct SGDOptions {
  double lr = 1e-3;  ///< lr of the single group made by the params constructor
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  /// Throws ValueError for negative hyperparameters, or Nesterov without momentum
  /// or with dampening.
  SGD(std::vector<ParamGroup> groups, SGDOptions options = {});
  SGD(std::vector<Var> params, SGDOptions options = {});

  bool steps_per_parameter() const override { return true; }
  const char* name() const override { return "SGD"; }
  const SGDOptions& options() const { return options_; }

 protected:
  void update(std::size_t group, std::size_t index) override;
  std::vector<std::string> slot_names() const override { return {"momentum_buffer"}; }

 private:
  SGDOptions options_;
};

}  // namespace xgrad::nn
