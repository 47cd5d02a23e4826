#pragma once
// Loss functions with PyTorch's semantics (torch.nn.functional, 1.13), built from
// autograd ops. Each reduces by Mean (default: the average over all elements, or
// over rows for the label losses), Sum, or None (the element-wise / per-row values).
#include "xgrad/core/tensor.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

enum class Reduction { None, Mean, Sum };

/// (input - target)^2; input and target have the same shape.
Var mse(const Var& input, const Var& target, Reduction reduction = Reduction::Mean);
Var mse(const Var& input, const Tensor& target, Reduction reduction = Reduction::Mean);

/// |input - target|; the gradient at input == target is 0.
Var l1(const Var& input, const Var& target, Reduction reduction = Reduction::Mean);
Var l1(const Var& input, const Tensor& target, Reduction reduction = Reduction::Mean);

/// -[t log(p) + (1 - t) log(1 - p)] on probabilities p in [0, 1], each log floored
/// at -100 as PyTorch does (so p = 0 or 1 gives a finite loss; the gradient through
/// a floored log is 0). Prefer bce_with_logits, which is stable.
Var bce(const Var& probs, const Tensor& target, Reduction reduction = Reduction::Mean);

/// The same loss on logits z (p = sigmoid(z)), computed stably.
Var bce_with_logits(const Var& logits, const Tensor& target, Reduction reduction = Reduction::Mean);

/// -log softmax(logits)[label] per row, for logits (N, C) and labels (N) in [0, C).
Var cross_entropy(const Var& logits, const core::IndexTensor& labels, Reduction reduction = Reduction::Mean);

/// -log_probs[label] per row, for log-probabilities (N, C) and labels (N) in [0, C).
Var nll(const Var& log_probs, const core::IndexTensor& labels, Reduction reduction = Reduction::Mean);

/// Gaussian negative log-likelihood with variance `var` (torch's GaussianNLLLoss):
///   0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi) if full].
/// var has input's shape, or input's without the last axis, or that with a last
/// axis of 1 (one variance shared along the last axis); var >= 0. As in PyTorch the
/// clamp to eps passes the gradient through unchanged.
Var gaussian_nll(const Var& input, const Var& target, const Var& var, Reduction reduction = Reduction::Mean,
                 bool full = false, double eps = 1e-6);
Var gaussian_nll(const Var& input, const Tensor& target, const Var& var, Reduction reduction = Reduction::Mean,
                 bool full = false, double eps = 1e-6);

}  // namespace xgrad::nn
