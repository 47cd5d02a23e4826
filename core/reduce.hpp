#pragma once
// Reductions over any set of axes. An empty axis list means all axes. Results
// are bitwise the same for any thread count: work is cut into fixed-size blocks
// whose partial results are combined in a fixed order.
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

using Axes = std::vector<int>;

template <class T> Tensor<T> sum(const Tensor<T>& x, const Axes& axes = {}, bool keepdim = false);
template <class T> Tensor<T> mean(const Tensor<T>& x, const Axes& axes = {}, bool keepdim = false);
/// Variance with `correction` subtracted from the count (1: unbiased, like torch.var).
template <class T> Tensor<T> var(const Tensor<T>& x, const Axes& axes = {}, bool keepdim = false, Index correction = 1);
template <class T> Tensor<T> max(const Tensor<T>& x, const Axes& axes = {}, bool keepdim = false);
template <class T> Tensor<T> min(const Tensor<T>& x, const Axes& axes = {}, bool keepdim = false);
/// log(sum(exp(x))) with the max subtracted first, so large inputs do not overflow.
template <class T> Tensor<T> logsumexp(const Tensor<T>& x, const Axes& axes = {}, bool keepdim = false);
/// Index of the first maximum along one axis.
template <class T> IndexTensor argmax(const Tensor<T>& x, int axis, bool keepdim = false);
template <class T> IndexTensor argmin(const Tensor<T>& x, int axis, bool keepdim = false);

}  // namespace xgrad::core
