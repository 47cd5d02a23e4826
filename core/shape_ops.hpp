#pragma once
// Movement ops. Every result is a new contiguous tensor. T is float, double or Index.
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// Same data, new shape (one dimension may be -1).
template <class T> Tensor<T> reshape(const Tensor<T>& x, const Shape& shape);
/// Reorders axes: result.shape()[i] == x.shape()[dims[i]].
template <class T> Tensor<T> permute(const Tensor<T>& x, const std::vector<int>& dims);
/// Swaps two axes (defaults: the last two).
template <class T> Tensor<T> transpose(const Tensor<T>& x, int a = -2, int b = -1);
/// Elements start, start+step, ... < stop along `axis` (stop clipped to the size).
template <class T> Tensor<T> slice(const Tensor<T>& x, int axis, Index start, Index stop, Index step = 1);
/// `length` elements from `start` along `axis`.
template <class T> Tensor<T> narrow(const Tensor<T>& x, int axis, Index start, Index length);
/// dst[..., start:stop:step, ...] += src — the gradient of slice.
template <class T> void slice_add_(Tensor<T>& dst, int axis, Index start, Index stop, Index step, const Tensor<T>& src);
/// Joins tensors along an existing axis.
template <class T> Tensor<T> concat(const std::vector<Tensor<T>>& xs, int axis);
/// Joins tensors along a new axis.
template <class T> Tensor<T> stack(const std::vector<Tensor<T>>& xs, int axis);
/// concat and stack of tensors held elsewhere, by pointer (no copies to gather them).
template <class T> Tensor<T> concat_borrowed(const std::vector<const Tensor<T>*>& xs, int axis);
template <class T> Tensor<T> stack_borrowed(const std::vector<const Tensor<T>*>& xs, int axis);
/// Splits along `axis` into pieces of the given sizes (they must add up to the size).
template <class T> std::vector<Tensor<T>> split(const Tensor<T>& x, const std::vector<Index>& sizes, int axis);
/// Splits along `axis` into pieces of `chunk` elements (the last may be shorter).
template <class T> std::vector<Tensor<T>> split(const Tensor<T>& x, Index chunk, int axis);
/// Selects entries of `axis` by a rank-1 index tensor (torch.index_select).
template <class T> Tensor<T> index_select(const Tensor<T>& x, int axis, const IndexTensor& index);
/// dst.index_select(axis, index) += src, duplicates accumulate — the gradient of index_select.
template <class T> void index_add_(Tensor<T>& dst, int axis, const IndexTensor& index, const Tensor<T>& src);
/// out[i][j] = x[index[i][j]][j] for axis 0, etc. (torch.gather; index has x's rank).
template <class T> Tensor<T> gather(const Tensor<T>& x, int axis, const IndexTensor& index);
/// dst[index[i][j]][j] += src[i][j] for axis 0, etc. — the gradient of gather.
template <class T> void scatter_add_(Tensor<T>& dst, int axis, const IndexTensor& index, const Tensor<T>& src);
/// (n,) labels in [0, classes) -> (n, classes) of 0/1.
template <class T> Tensor<T> one_hot(const IndexTensor& labels, Index classes);
/// Inserts / removes a size-1 axis.
template <class T> Tensor<T> unsqueeze(const Tensor<T>& x, int axis);
template <class T> Tensor<T> squeeze(const Tensor<T>& x, int axis);
/// Collapses axes [start, end] into one.
template <class T> Tensor<T> flatten(const Tensor<T>& x, int start = 0, int end = -1);

}  // namespace xgrad::core
