#pragma once
// How an op joins the graph: `record(op, value, backward, inputs...)` wraps the
// forward result in a node whose closure `backward(Node& self, Tensor& grad_out)`
// adds each input's gradient with self.accumulate(i, ...). When no input needs a
// gradient, or recording is off, the result is a plain leaf and the closure is
// dropped unused. Used by op implementations only.
#include <initializer_list>
#include <vector>

#include "xgrad/autograd/variable.hpp"

namespace xgrad::autograd::detail {

/// Throws when anomaly mode is on and `value` holds NaN/Inf (names the op).
template <class T>
void check_forward(OpId op, const Tensor<T>& value);

template <class T, class F, class Inputs>
Variable<T> record_list(OpId op, Tensor<T>&& value, F&& backward, const Inputs& inputs) {
  if (anomaly_enabled()) check_forward(op, value);
  bool any = false;
  if (grad_enabled())
    for (const Variable<T>* v : inputs) any = any || v->requires_grad();
  if (!any) return Variable<T>(std::move(value));
  std::vector<NodePtr<T>> parents;
  parents.reserve(inputs.size());
  for (const Variable<T>* v : inputs) parents.push_back(v->node());
  return Variable<T>(NodePtr<T>(std::make_shared<LambdaNode<T, std::decay_t<F>>>(
      std::move(value), op, std::move(parents), std::forward<F>(backward))));
}

template <class T, class F, class... V>
Variable<T> record(OpId op, Tensor<T>&& value, F&& backward, const V&... inputs) {
  const std::initializer_list<const Variable<T>*> list{&inputs...};
  return record_list(op, std::move(value), std::forward<F>(backward), list);
}

}  // namespace xgrad::autograd::detail
