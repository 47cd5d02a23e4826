#include "xgrad/autograd/variable.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"

namespace xgrad::autograd {

const char* op_name(OpId op) {
  static constexpr const char* names[] = {
#define XGRAD_OP_NAME(name) #name,
      XGRAD_AUTOGRAD_OPS(XGRAD_OP_NAME)
#undef XGRAD_OP_NAME
          "leaf"};
  return names[static_cast<int>(op)];
}

// ---- modes ------------------------------------------------------------------

namespace {
thread_local bool t_grad_enabled = true;
std::atomic<bool> g_anomaly{false};
std::atomic<std::uint64_t> g_visit_epoch{0};

template <class T>
bool all_finite(const Tensor<T>& t) {
  return std::all_of(t.begin(), t.end(), [](T v) { return std::isfinite(v); });
}
}  // namespace

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool on) { t_grad_enabled = on; }
bool anomaly_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void set_anomaly_enabled(bool on) { g_anomaly = on; }

namespace detail {
template <class T>
void check_forward(OpId op, const Tensor<T>& value) {
  if (!all_finite(value))
    throw core::Error(fmt::format("anomaly: the forward value of '{}' holds NaN or Inf (shape {})", op_name(op),
                                  value.shape().str()));
}
template void check_forward(OpId, const Tensor<float>&);
template void check_forward(OpId, const Tensor<double>&);
}  // namespace detail

// ---- nodes ------------------------------------------------------------------

template <class T>
Node<T>::~Node() {
  // Take over parents that only this node keeps alive, and empty their edges
  // before they die, so destruction never recurses along a long chain.
  std::vector<NodePtr<T>> pending = std::move(parents_);
  while (!pending.empty()) {
    NodePtr<T> p = std::move(pending.back());
    pending.pop_back();
    if (p && p.use_count() == 1) {
      for (auto& q : p->parents_) pending.push_back(std::move(q));
      p->parents_.clear();
      p->release();
    }
  }
}

template <class T>
void Node<T>::accumulate_grad(Tensor<T>&& g) {
  if (g.shape() != value.shape())
    throw core::ShapeError(fmt::format("backward: gradient of shape {} for a value of shape {} (op '{}')",
                                       g.shape().str(), value.shape().str(), op_name(op)));
  if (!grad.defined())
    grad = std::move(g);
  else
    core::add_(grad, g);
}

template <class T>
void Node<T>::accumulate_reduced(std::size_t i, Tensor<T>& gy, bool last_use) {
  Node& p = *parents_[i];
  if (gy.shape() != p.value.shape()) return p.accumulate_grad(core::sum_to(gy, p.value.shape()));
  if (p.grad.defined()) return core::add_(p.grad, gy);
  p.grad = last_use ? std::move(gy) : Tensor<T>(gy);
}

// ---- variables --------------------------------------------------------------

template <class T>
Variable<T>::Variable(Tensor<T> value, bool requires_grad)
    : node_(std::make_shared<Node<T>>(std::move(value), requires_grad)) {}

template <class T>
void Variable<T>::set_requires_grad(bool on) {
  if (!is_leaf()) throw core::Error("set_requires_grad: only leaf variables can change requires_grad");
  node_->requires_grad = on;
}

template <class T>
const char* Variable<T>::op_name() const {
  return autograd::op_name(node_->op);
}

template <class T>
Variable<T> Variable<T>::detach() const {
  return Variable(node_->value, false);
}

template <class T>
void Variable<T>::backward(bool retain_graph) const {
  backward(retain_graph, [](const Variable&) {});
}

template <class T>
void Variable<T>::backward(bool retain_graph, LeafReady<T> on_leaf_ready) const {
  if (numel() != 1)
    throw core::ShapeError(fmt::format(
        "backward: output of shape {} is not a scalar; pass the output gradient explicitly", shape().str()));
  backward(Tensor<T>::ones(shape()), retain_graph, on_leaf_ready);
}

template <class T>
void Variable<T>::backward(const Tensor<T>& grad_output, bool retain_graph) const {
  backward(grad_output, retain_graph, [](const Variable&) {});
}

namespace {

// Nodes that need a gradient, ordered so that every node comes after all the
// nodes computed from it (reverse post-order of an iterative depth-first walk).
// The order owns its nodes: releasing a processed node's edges may drop the last
// other owner of a node still waiting its turn.
// Throws before any gradient moves when the walk meets an op whose graph an earlier
// backward freed: its edges are gone, so the inputs behind it would silently get
// nothing (PyTorch raises here too).
template <class T>
void refuse_freed(const Node<T>& node) {
  if (node.graph_freed)
    throw core::Error(fmt::format(
        "backward: the graph of op '{}' was freed by an earlier backward(); pass retain_graph = true to "
        "the earlier backward to run backward through it again",
        op_name(node.op)));
}

template <class T>
std::vector<NodePtr<T>> backward_order(const NodePtr<T>& root) {
  const std::uint64_t mark = ++g_visit_epoch;
  std::vector<NodePtr<T>> post;
  std::vector<std::pair<NodePtr<T>, std::size_t>> stack;
  refuse_freed(*root);
  root->visit_mark = mark;
  stack.emplace_back(root, 0);
  while (!stack.empty()) {
    auto& top = stack.back();
    if (top.second < top.first->num_parents()) {
      const NodePtr<T>& p = top.first->parent_ptr(top.second++);
      if (p->requires_grad && p->visit_mark != mark) {
        refuse_freed(*p);
        p->visit_mark = mark;
        stack.emplace_back(p, 0);  // may reallocate: `top` is not used after this
      }
    } else {
      post.push_back(std::move(top.first));
      stack.pop_back();
    }
  }
  std::reverse(post.begin(), post.end());
  return post;
}

template <class T>
void check_backward(Node<T>& node) {
  for (std::size_t i = 0; i < node.num_parents(); ++i) {
    const Node<T>* p = node.parent(i);
    if (p->requires_grad && p->grad.defined() && !all_finite(p->grad))
      throw core::Error(fmt::format("anomaly: the backward of '{}' produced NaN or Inf in the gradient of input {}",
                                    op_name(node.op), i));
  }
}

}  // namespace

template <class T>
void Variable<T>::backward(const Tensor<T>& grad_output, bool retain_graph, LeafReady<T> on_leaf_ready) const {
  if (!requires_grad())
    throw core::Error("backward: this variable does not require a gradient (no input requires one)");
  if (grad_output.shape() != shape())
    throw core::ShapeError(fmt::format("backward: output gradient of shape {} for an output of shape {}",
                                       grad_output.shape().str(), shape().str()));
  const bool anomaly = anomaly_enabled();
  auto order = backward_order(node_);  // first: it refuses a freed graph before anything accumulates
  Tensor<T> seed = grad_output;
  node_->accumulate_grad(std::move(seed));
  for (NodePtr<T>& node : order) {
    // Every node computed from a leaf comes before it in the order: its gradient is final here.
    if (node->is_leaf() && node->grad.defined()) on_leaf_ready(Variable(node));
    if (node->is_leaf() || !node->grad.defined()) {
      node.reset();
      continue;
    }
    {
      NoGradGuard no_grad;  // backward closures compute with plain tensors
      node->backward(node->grad);
    }
    if (anomaly) check_backward(*node);
    node->grad = Tensor<T>();  // interior gradients are not kept, as in PyTorch
    if (!retain_graph) {
      node->release();
      node->graph_freed = true;
    }
    node.reset();  // done with it: let it go now if nothing else holds it
  }
}

template class Node<float>;
template class Node<double>;
template class Variable<float>;
template class Variable<double>;

}  // namespace xgrad::autograd
