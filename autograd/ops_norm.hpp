#pragma once
// Layer normalisation as one fused op (kernels and formulas in core/layer_norm.hpp).
#include "xgrad/autograd/variable.hpp"

namespace xgrad::autograd {

/// (x - mean) / sqrt(var + eps) * w + b over the last `axes` axes of x (var without
/// correction, like torch.nn.functional.layer_norm); w and b have those axes' shape
/// and may be undefined (no affine part).
template <class T>
Variable<T> layer_norm(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b, double eps, int axes = 1);

}  // namespace xgrad::autograd
