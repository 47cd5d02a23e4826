#pragma once
// Differentiable movement ops (results are contiguous copies).
#include <vector>

#include "xgrad/autograd/variable.hpp"

namespace xgrad::autograd {

template <class T> Variable<T> reshape(const Variable<T>& x, const Shape& shape);
template <class T> Variable<T> flatten(const Variable<T>& x, int start = 0, int end = -1);
template <class T> Variable<T> unsqueeze(const Variable<T>& x, int axis);
template <class T> Variable<T> squeeze(const Variable<T>& x, int axis);
template <class T> Variable<T> permute(const Variable<T>& x, const std::vector<int>& dims);
template <class T> Variable<T> transpose(const Variable<T>& x, int a = -2, int b = -1);
template <class T> Variable<T> slice(const Variable<T>& x, int axis, Index start, Index stop, Index step = 1);
template <class T> Variable<T> narrow(const Variable<T>& x, int axis, Index start, Index length);
template <class T> Variable<T> concat(const std::vector<Variable<T>>& xs, int axis);
template <class T> Variable<T> stack(const std::vector<Variable<T>>& xs, int axis);
/// Pieces of the given sizes along `axis`; each piece is its own differentiable view-copy.
template <class T> std::vector<Variable<T>> split(const Variable<T>& x, const std::vector<Index>& sizes, int axis);
template <class T> Variable<T> index_select(const Variable<T>& x, int axis, const core::IndexTensor& index);
/// The rows of w (num, dim) picked by indices of any shape, as (indices..., dim): as
/// torch.nn.functional.embedding. The gradient adds each picked row's gradient to its row.
template <class T> Variable<T> embedding(const Variable<T>& w, const core::IndexTensor& indices);
template <class T> Variable<T> gather(const Variable<T>& x, int axis, const core::IndexTensor& index);
template <class T> Variable<T> broadcast_to(const Variable<T>& x, const Shape& shape);

}  // namespace xgrad::autograd
