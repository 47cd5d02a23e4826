#pragma once
// A node of the graph: the value an op produced, its gradient, and the edges to
// the nodes it was computed from. Ops create LambdaNodes that hold their backward
// closure inline (one allocation per op).
#include <array>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "xgrad/autograd/op_list.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::autograd {

template <class T>
class Node;
template <class T>
using NodePtr = std::shared_ptr<Node<T>>;

template <class T>
class Node {
 public:
  Node(core::Tensor<T> v, bool requires_grad, OpId op = OpId::leaf)
      : value(std::move(v)), requires_grad(requires_grad), op(op) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  /// Releases the parent chain iteratively, so dropping a graph of 100,000 ops
  /// does not recurse 100,000 destructors deep.
  virtual ~Node();

  /// Adds d(loss)/d(value) into the parents' gradients, given this node's gradient.
  virtual void backward(core::Tensor<T>& grad_out) {}
  /// Drops what backward needed (closure captures, edges) once it has run.
  virtual void release() { parents_.clear(); }

  bool is_leaf() const { return op == OpId::leaf; }
  std::size_t num_parents() const { return parents_.size(); }
  Node* parent(std::size_t i) const { return parents_[i].get(); }
  const NodePtr<T>& parent_ptr(std::size_t i) const { return parents_[i]; }
  /// The value of input i (parents stay alive while this node exists).
  const core::Tensor<T>& input(std::size_t i) const { return parents_[i]->value; }
  /// Whether input i wants a gradient; backward skips the others.
  bool needs_grad(std::size_t i) const { return parents_[i]->requires_grad; }
  /// Adds g into input i's gradient (moves it in when the gradient is still empty).
  void accumulate(std::size_t i, core::Tensor<T>&& g) { parents_[i]->accumulate_grad(std::move(g)); }
  void accumulate_grad(core::Tensor<T>&& g);
  /// Adds gy, summed down to input i's shape where it was broadcast, into input i's
  /// gradient. An unbroadcast gy is added in place, or copied only when the input has
  /// no gradient yet; `last_use` lets it be moved there instead (gy is the node's own
  /// gradient, dropped after its backward).
  void accumulate_reduced(std::size_t i, core::Tensor<T>& gy, bool last_use);
  /// Input i's gradient buffer for a kernel that accumulates in place: the existing
  /// gradient (returns beta 1: add into it), or a new uninitialised one of the
  /// input's shape (returns beta 0: overwrite it).
  T grad_buffer(std::size_t i, core::Tensor<T>*& buffer) {
    Node& p = *parents_[i];
    buffer = &p.grad;
    if (p.grad.defined()) return T(1);
    p.grad = core::Tensor<T>(p.value.shape());
    return T(0);
  }

  core::Tensor<T> value;
  core::Tensor<T> grad;  ///< undefined until a gradient arrives
  bool requires_grad;
  OpId op;
  std::uint64_t visit_mark = 0;  ///< the engine's traversal stamp
  /// Set when a backward pass without retain_graph has released this op's edges and
  /// saved tensors: a later backward that reaches it must fail, not skip it silently.
  bool graph_freed = false;

 protected:
  template <class U, class F>
  friend class LambdaNode;
  std::vector<NodePtr<T>> parents_;
};

/// A node whose backward is the closure `F(Node<T>& self, Tensor<T>& grad_out)`.
template <class T, class F>
class LambdaNode final : public Node<T> {
 public:
  LambdaNode(core::Tensor<T> v, OpId op, std::vector<NodePtr<T>> parents, F fn)
      : Node<T>(std::move(v), true, op), fn_(std::move(fn)) {
    this->parents_ = std::move(parents);
  }
  void backward(core::Tensor<T>& grad_out) override {
    if (fn_) (*fn_)(*this, grad_out);
  }
  void release() override {
    fn_.reset();
    this->parents_.clear();
  }

 private:
  std::optional<F> fn_;
};

extern template class Node<float>;
extern template class Node<double>;

}  // namespace xgrad::autograd
