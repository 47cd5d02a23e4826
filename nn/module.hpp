#pragma once
// Module: the base of every layer and model. Parameters, buffers and children
// are registered by name; walks follow registration order, which gives stable
// dotted names ("encoder.fc1.weight") for checkpoints. Modules are held by
// shared_ptr and configured by Options structs. nn works in float.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/autograd/variable.hpp"

namespace xgrad::nn {

using autograd::Variable;
using core::Index;
using core::IndexTensor;
using core::Shape;
using Tensor = core::Tensor<float>;
using Var = Variable<float>;

/// Name -> tensor, in registration order of the walk that produced it.
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// Parameters of this module and its children, depth-first in registration order.
  std::vector<std::pair<std::string, Var>> named_parameters() const;
  std::vector<Var> parameters() const;
  std::vector<std::pair<std::string, Var>> named_buffers() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }
  /// Total number of parameter elements.
  Index parameter_count() const;

  /// Training mode (dropout active, batch norm uses batch statistics); recursive.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  /// Forgets every parameter's gradient.
  void zero_grad();

  /// Parameters then buffers, by dotted name (values are copies).
  StateDict state_dict() const;
  /// Copies values in. Strict: a missing, unexpected or mis-shaped key is an error
  /// naming the key (and both shapes); nothing is changed when it throws.
  void load_state_dict(const StateDict& state, bool strict = true);

  /// A short human-readable tree of the module ("Linear(784 -> 400)").
  virtual std::string describe() const { return "Module"; }
  std::string to_string(int indent = 0) const;

 protected:
  Var& register_parameter(std::string name, Tensor value, bool requires_grad = true);
  Var& register_buffer(std::string name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_child(std::move(name), module);
    return module;
  }

 private:
  void add_child(std::string name, std::shared_ptr<Module> module);
  void walk(const std::string& prefix,
            const std::function<void(const std::string&, const Module&)>& visit) const;

  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, Var>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

/// Creates a module held by shared_ptr: `auto fc = nn::make<nn::Linear>(LinearOptions{784, 400});`
template <class M, class... Args>
std::shared_ptr<M> make(Args&&... args) {
  return std::make_shared<M>(std::forward<Args>(args)...);
}

}  // namespace xgrad::nn
