#pragma once
// Element-wise loss kernels: the per-element terms the fused autograd losses
// evaluate on every batch, one SIMD pass each (value, and gradient given the
// upstream gradient). Kept out of elementwise.hpp so that the few files calling
// them are the only ones rebuilt when they change. T is float or double.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// max(z, 0) - z t + log1p(exp(-|z|)): the binary cross-entropy of logits z
/// against targets t, stable for any z. z and t must have the same shape.
template <class T> Tensor<T> bce_with_logits(const Tensor<T>& z, const Tensor<T>& t);
/// gy (sigmoid(z) - t): its gradient with respect to z.
template <class T> Tensor<T> bce_with_logits_backward(const Tensor<T>& z, const Tensor<T>& t, const Tensor<T>& gy);

}  // namespace xgrad::core
