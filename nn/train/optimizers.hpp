#pragma once
// The optimizers a trainer builds for a model: named, in a fixed order (which
// fixes the checkpoint keys), each from plain options — which algorithm, its
// hyper-parameters, gradient clipping and a learning-rate schedule — so a model
// says which parameters it optimises and never builds an optimizer itself.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/nn/optim/optimizer.hpp"
#include "xgrad/nn/optim/schedule.hpp"

namespace xgrad::nn {

struct OptimizerOptions {
  std::string type = "adam";  ///< adam, adamw, sgd or rmsprop
  double lr = 1e-3;
  double beta1 = 0.9;           ///< adam, adamw
  double beta2 = 0.999;         ///< adam, adamw
  double eps = 1e-8;            ///< adam, adamw, rmsprop
  double weight_decay = 0;      ///< L2 (adam, sgd, rmsprop) or decoupled (adamw)
  double momentum = 0;          ///< sgd, rmsprop
  bool nesterov = false;        ///< sgd
  double alpha = 0.99;          ///< rmsprop's smoothing constant
  double clip_norm = 0;         ///< > 0: clip the gradients' global 2-norm to this before each step
  /// A learning-rate schedule, advanced after each step: "" (constant), "step:N:GAMMA",
  /// "exp:GAMMA", "cosine:T[:MIN_LR]" or "warmup:N[:START_FACTOR]".
  std::string lr_schedule{};
};

/// One optimizer of a model: its name (checkpoint keys "optim.<name>.*"), its
/// parameter groups with their own learning rates, and the options of the rest.
struct OptimizerSpec {
  std::string name;
  std::vector<ParamGroup> groups;
  OptimizerOptions options;
};

/// The single-group spec over `params` that most models use, named after its type.
OptimizerSpec single_optimizer(std::vector<Var> params, const OptimizerOptions& options);

/// Throws ValueError for an unknown type or schedule, or a bad hyper-parameter.
std::unique_ptr<Optimizer> make_optimizer(std::vector<ParamGroup> groups, const OptimizerOptions& options);
/// nullptr for an empty spec; ValueError naming the spec when it is malformed.
std::unique_ptr<LrSchedule> make_lr_schedule(Optimizer& optimizer, const std::string& spec);

/// A model's optimizers by name, in the order of their specs.
class Optimizers {
 public:
  explicit Optimizers(std::vector<OptimizerSpec> specs);
  Optimizers(Optimizers&&) noexcept;
  Optimizers& operator=(Optimizers&&) noexcept;
  ~Optimizers();

  /// ValueError naming the known ones when there is no optimizer `name`; "" is the first.
  Optimizer& at(std::string_view name = "");
  std::vector<std::pair<std::string, Optimizer*>> named() const;
  std::size_t size() const { return entries_.size(); }

  /// Clips (when the optimizer's options say so), steps optimizer `name` and advances its schedule.
  void step(std::string_view name = "");
  /// loss.backward() then step(name), with the same bits, but where it can, each parameter
  /// of optimizer `name` is stepped inside backward as soon as its gradient is final, while
  /// its value and gradient are still in cache (PyTorch's "optimizer step in backward").
  /// The update is a task (core::TaskGroup) that runs while backward goes on, on a thread
  /// the backward leaves idle: no node still to run reads that parameter, and each update
  /// touches its own parameter and state only; every update has finished on return.
  /// Parameters of the other optimizers only accumulate their gradients.
  void backward_and_step(const Var& loss, std::string_view name = "");
  /// Whether backward_and_step steps optimizer `name` inside backward: when it is allowed,
  /// the optimizer updates parameters one at a time, and it does not clip (clipping needs
  /// every gradient first).
  bool steps_in_backward(std::string_view name = "");
  /// On by default; off makes backward_and_step always backward first, then step.
  void set_step_in_backward(bool on) { step_in_backward_ = on; }

  /// Each schedule's state by "<optimizer>.<key>", for checkpoints; restored by load_schedules.
  std::map<std::string, double> schedule_state() const;
  void load_schedule_state(const std::map<std::string, double>& state);

 private:
  struct Entry;
  Entry& entry(std::string_view name);
  std::vector<std::unique_ptr<Entry>> entries_;
  bool step_in_backward_ = true;
};

}  // namespace xgrad::nn
