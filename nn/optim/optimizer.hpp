#pragma once
// Optimizer base: parameter groups with their own learning rate, a step() that
// updates parameters from their gradients (without recording), and a state that
// checkpoints save and restore exactly.
#include <map>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Everything an optimizer needs to resume bit-for-bit: per-parameter tensors
/// (keys like "0.3.exp_avg" = group 0, parameter 3) and scalars ("step", "0.lr").
struct OptimizerState {
  StateDict tensors;
  std::map<std::string, double> scalars;
};

struct ParamGroup {
  std::vector<Var> params;
  double lr = 1e-3;
};

class Optimizer {
 public:
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;

  /// One update of every parameter that has a gradient.
  virtual void step() = 0;
  void zero_grad();

  std::vector<ParamGroup>& groups() { return groups_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  /// Sets the learning rate of every group (schedules call this).
  void set_lr(double lr);
  double lr(std::size_t group = 0) const { return groups_.at(group).lr; }

  virtual OptimizerState state() const;
  /// Restores a state(); throws naming the key when it does not fit these parameters.
  virtual void load_state(const OptimizerState& s);

 protected:
  /// Per-parameter tensors by name ("exp_avg", "momentum_buffer", ...), created on first use.
  Tensor& slot(std::size_t group, std::size_t index, const std::string& name);
  std::int64_t steps_ = 0;

 private:
  std::vector<ParamGroup> groups_;
  std::map<std::string, Tensor> slots_;  // key "g.i.name"
};

}  // namespace xgrad::nn
