#pragma once
// Differentiable reductions over any set of axes (empty = all), with keepdim.
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::autograd {

using core::Axes;

template <class T> Variable<T> sum(const Variable<T>& x, const Axes& axes = {}, bool keepdim = false);
template <class T> Variable<T> mean(const Variable<T>& x, const Axes& axes = {}, bool keepdim = false);
template <class T> Variable<T> var(const Variable<T>& x, const Axes& axes = {}, bool keepdim = false, Index correction = 1);
/// The gradient goes to the first arg-max of each reduced block.
template <class T> Variable<T> max(const Variable<T>& x, const Axes& axes = {}, bool keepdim = false);
template <class T> Variable<T> min(const Variable<T>& x, const Axes& axes = {}, bool keepdim = false);
/// Stable log-sum-exp; gradient softmax(x) along the axes.
template <class T> Variable<T> logsumexp(const Variable<T>& x, const Axes& axes = {}, bool keepdim = false);

}  // namespace xgrad::autograd
