#pragma once
// Variable<T>: a cheap handle (shared pointer) to a graph node. Copies are
// shallow: two copies are the same variable. T is float or double.
#include <memory>

#include "xgrad/autograd/node.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::autograd {

using core::Index;
using core::Shape;
using core::Tensor;

template <class T>
class Variable;

/// Called by backward with each leaf whose gradient is final: every op computed from
/// it has run its backward (PyTorch's post-accumulate-grad hook). An optimizer can
/// step that parameter there, while its value and gradient are still in cache.
template <class T>
using LeafReady = core::FunctionRef<void(const Variable<T>&)>;

template <class T>
class Variable {
 public:
  /// An undefined variable (`defined()` is false).
  Variable() = default;
  /// A leaf holding `value`; with requires_grad, backward() fills its grad().
  explicit Variable(Tensor<T> value, bool requires_grad = false);
  explicit Variable(NodePtr<T> node) : node_(std::move(node)) {}

  bool defined() const { return node_ != nullptr; }
  const Tensor<T>& value() const { return node_->value; }
  /// Mutable access to the value, for optimizers and initialisers (not recorded).
  Tensor<T>& value_mut() { return node_->value; }
  /// The accumulated gradient; undefined until a backward pass reaches this variable.
  const Tensor<T>& grad() const { return node_->grad; }
  Tensor<T>& grad_mut() { return node_->grad; }
  bool requires_grad() const { return node_->requires_grad; }
  /// Only leaves may change it: an op result's flag follows from its inputs.
  void set_requires_grad(bool on);
  bool is_leaf() const { return node_->is_leaf(); }
  /// The op that produced this variable ("leaf" for inputs).
  const char* op_name() const;

  const Shape& shape() const { return node_->value.shape(); }
  int dim() const { return node_->value.dim(); }
  Index size(int axis) const { return node_->value.size(axis); }
  Index numel() const { return node_->value.numel(); }
  T item() const { return node_->value.item(); }

  /// A new leaf sharing nothing with the graph (the value is copied).
  Variable detach() const;
  /// Forgets the accumulated gradient.
  void zero_grad() { node_->grad = Tensor<T>(); }
  /// Backpropagates from this scalar (d self / d self = 1). Without retain_graph the
  /// ops it passes through release their edges and saved tensors; a later backward
  /// that reaches one of them (the same root again, or another root sharing part of
  /// the graph) throws an error naming retain_graph instead of giving wrong gradients.
  void backward(bool retain_graph = false) const;
  /// Backpropagates with the given gradient of a non-scalar output.
  void backward(const Tensor<T>& grad_output, bool retain_graph = false) const;
  /// backward(retain_graph), calling on_leaf_ready(leaf) once for each leaf that got a
  /// gradient, as soon as that gradient is final (after the leaf's last use, with
  /// every use summed in) and before later nodes run. The hook may change the leaf's
  /// value: no op still to run reads it.
  void backward(bool retain_graph, LeafReady<T> on_leaf_ready) const;
  void backward(const Tensor<T>& grad_output, bool retain_graph, LeafReady<T> on_leaf_ready) const;

  const NodePtr<T>& node() const { return node_; }

 private:
  NodePtr<T> node_;
};

/// Whether ops record a graph on this thread (on by default).
bool grad_enabled();
void set_grad_enabled(bool on);

/// Turns recording off on this thread for its lifetime (evaluation, updates).
class NoGradGuard {
 public:
  NoGradGuard() : prev_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

/// Anomaly mode: when on, the first op whose forward value or backward gradient
/// holds NaN/Inf throws an error naming the op (and, for backward, the input).
bool anomaly_enabled();
void set_anomaly_enabled(bool on);

class AnomalyGuard {
 public:
  AnomalyGuard() : prev_(anomaly_enabled()) { set_anomaly_enabled(true); }
  ~AnomalyGuard() { set_anomaly_enabled(prev_); }
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool prev_;
};

extern template class Variable<float>;
extern template class Variable<double>;

}  // namespace xgrad::autograd
