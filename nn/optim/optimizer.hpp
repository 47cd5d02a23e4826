#pragma once
// Optimizer base: parameter groups with their own learning rate, a step() that
// updates parameters from their gradients (without recording), and a state that
// checkpoints save and restore exactly.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Everything an optimizer needs to resume bit-for-bit: per-parameter tensors
/// (keys like "0.3.exp_avg" = group 0, parameter 3), per-parameter step counts
/// ("0.3.step"), and scalars ("step", "0.lr", and "0.params", the group's size,
/// which lets load_state tell a state made for other parameters).
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
  /// Throws ValueError for no parameters, an undefined one, one listed twice, or lr < 0.
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient. The default checks every
  /// gradient's shape, then calls update() on each parameter that has one.
  virtual void step();
  /// Whether step_param() works (the built-in optimizers update each parameter alone).
  virtual bool steps_per_parameter() const { return false; }
  /// step()'s update of parameter `index` of group `group` alone, for an optimizer step
  /// inside backward: nothing without a gradient; ShapeError, before the parameter is
  /// touched, for a gradient of the wrong shape. step_param on every parameter then
  /// finish_step() gives step()'s bits. ValueError when !steps_per_parameter().
  void step_param(std::size_t group, std::size_t index);
  /// Counts a step made of step_param calls (steps() and the checkpoints follow it).
  void finish_step() { ++steps_; }
  void zero_grad();

  std::vector<ParamGroup>& groups() { return groups_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  /// Sets every group's learning rate to `lr` (schedules instead set each group's
  /// from its own base lr, through groups()).
  void set_lr(double lr);
  double lr(std::size_t group = 0) const { return groups_.at(group).lr; }
  /// Number of step() calls so far.
  std::int64_t steps() const { return steps_; }
  /// "SGD", "Adam", ...: names the optimizer in error messages (and checkpoints).
  virtual const char* name() const = 0;

  virtual OptimizerState state() const;
  /// Restores a state(); throws naming the key when it does not fit these parameters
  /// (and changes nothing then).
  virtual void load_state(const OptimizerState& s);

 protected:
  /// Per-parameter tensors by name ("exp_avg", "momentum_buffer", ...), zeros on first
  /// use; the reference stays valid until load_state.
  Tensor& slot(std::size_t group, std::size_t index, const std::string& name);
  bool has_slot(std::size_t group, std::size_t index, const std::string& name) const;
  /// How many updates this parameter has had (Adam's bias correction counts per
  /// parameter, as PyTorch does: a parameter without a gradient does not advance).
  std::int64_t& param_step(std::size_t group, std::size_t index);
  /// Updates one parameter whose gradient is there and of the right shape. An optimizer
  /// that overrides it (and steps_per_parameter) gets step() and step_param from it.
  virtual void update(std::size_t group, std::size_t index);
  /// The slot names this optimizer uses; load_state rejects any other.
  virtual std::vector<std::string> slot_names() const = 0;
  /// Throws ShapeError naming the first parameter whose gradient does not match
  /// its shape; step() calls it first, so a bad gradient leaves every parameter as it was.
  void check_grads() const;
  void check_grad(std::size_t group, std::size_t index) const;

  std::int64_t steps_ = 0;

 private:
  struct ParamState {
    std::deque<std::pair<std::string, Tensor>> slots;  // a deque: references stay valid as it grows
    std::int64_t step = 0;
  };
  using Key = std::pair<std::size_t, std::size_t>;  // (group, index)

  std::vector<ParamGroup> groups_;
  std::map<Key, ParamState> states_;
  // Guards states_' look-ups and insertions: step_param may run for different parameters
  // at once (Optimizers::backward_and_step), each touching only its own state.
  std::unique_ptr<std::mutex> states_mu_ = std::make_unique<std::mutex>();
};

}  // namespace xgrad::nn
