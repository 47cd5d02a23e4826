#include "xgrad/nn/losses.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::nn {

namespace ag = autograd;

namespace {

Var reduce(const Var& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return ag::mean(loss);
    case Reduction::Sum: return ag::sum(loss);
    case Reduction::None: return loss;
  }
  throw core::ValueError("loss: unknown reduction");
}

void same_shape(const char* loss, const char* what, const Shape& input, const Shape& other) {
  if (input != other)
    throw core::ShapeError(fmt::format("{}: input {} and {} {} must have the same shape", loss, input.str(), what,
                                       other.str()));
}

// x.value() (N, C) and labels (N) with every label in [0, C).
void check_labels(const char* loss, const Var& x, const core::IndexTensor& labels) {
  if (x.dim() != 2 || labels.dim() != 1 || labels.size(0) != x.size(0))
    throw core::ShapeError(fmt::format("{}: input {} and labels {} must be (N, C) and (N)", loss, x.shape().str(),
                                       labels.shape().str()));
  const Index classes = x.size(1);
  for (Index i = 0; i < labels.numel(); ++i)
    if (labels.data()[i] < 0 || labels.data()[i] >= classes)
      throw core::ValueError(fmt::format("{}: label {} at row {} is outside [0, {})", loss, labels.data()[i], i,
                                         classes));
}

// log(p) (or log(1 - p) when `complement`) floored at -100 as PyTorch's BCE does.
// Where the floor applies the log is taken of a harmless stand-in, so its
// gradient there is 0 rather than 0 * inf = NaN.
Var floored_log(const Var& p, bool complement) {
  const Tensor raw = complement ? core::log1p(core::neg(p.value())) : core::log(p.value());
  auto log_of = [complement](const Var& x) { return complement ? ag::log1p(ag::neg(x)) : ag::log(x); };
  const Tensor floor = core::lt(raw, -100.f);
  if (core::sum(floor).item() == 0) return log_of(p);
  const Var safe = ag::where(floor, Var(Tensor::full(p.shape(), 0.5f)), p);
  return ag::where(floor, Var(Tensor::full(p.shape(), -100.f)), log_of(safe));
}

}  // namespace

Var mse(const Var& input, const Var& target, Reduction reduction) {
  same_shape("mse", "target", input.shape(), target.shape());
  return reduce(ag::square(ag::sub(input, target)), reduction);
}

Var mse(const Var& input, const Tensor& target, Reduction reduction) { return mse(input, Var(target), reduction); }

Var l1(const Var& input, const Var& target, Reduction reduction) {
  same_shape("l1", "target", input.shape(), target.shape());
  return reduce(ag::abs(ag::sub(input, target)), reduction);
}

Var l1(const Var& input, const Tensor& target, Reduction reduction) { return l1(input, Var(target), reduction); }

Var bce(const Var& probs, const Tensor& target, Reduction reduction) {
  same_shape("bce", "target", probs.shape(), target.shape());
  for (float p : probs.value())
    if (!(p >= 0 && p <= 1)) throw core::ValueError(fmt::format("bce: input holds {}, outside [0, 1]", p));
  // PyTorch's order: (t - 1) * log(1 - p) - t * log(p).
  const Var log_p = floored_log(probs, false), log_q = floored_log(probs, true);
  const Var loss = ag::sub(ag::mul(Var(core::sub(target, 1.f)), log_q), ag::mul(Var(target), log_p));
  return reduce(loss, reduction);
}

Var bce_with_logits(const Var& logits, const Tensor& target, Reduction reduction) {
  same_shape("bce_with_logits", "target", logits.shape(), target.shape());
  return reduce(ag::bce_with_logits(logits, target), reduction);
}

Var cross_entropy(const Var& logits, const core::IndexTensor& labels, Reduction reduction) {
  check_labels("cross_entropy", logits, labels);
  return reduce(ag::cross_entropy(logits, labels), reduction);
}

Var nll(const Var& log_probs, const core::IndexTensor& labels, Reduction reduction) {
  check_labels("nll", log_probs, labels);
  const Index rows = labels.size(0);
  const Var picked = ag::gather(log_probs, 1, labels.reshape({rows, 1}));
  return reduce(ag::neg(ag::reshape(picked, Shape{rows})), reduction);
}

Var gaussian_nll(const Var& input, const Var& target, const Var& var, Reduction reduction, bool full, double eps) {
  same_shape("gaussian_nll", "target", input.shape(), target.shape());
  const Shape& in = input.shape();
  const Shape& vs = var.shape();
  auto all_but_last = [](const Shape& s) { return Shape(s.begin(), s.end() - (s.rank() > 0 ? 1 : 0)); };
  Var v = var;
  if (vs != in) {
    if (in.rank() > 0 && vs == all_but_last(in))
      v = ag::unsqueeze(var, -1);  // one variance per row, shared along the last axis
    else if (!(in.rank() > 0 && vs.rank() == in.rank() && vs.dim(-1) == 1 && all_but_last(vs) == all_but_last(in)))
      throw core::ShapeError(fmt::format("gaussian_nll: var {} must have input's shape {}, or it without the last "
                                         "axis, or with a last axis of 1",
                                         vs.str(), in.str()));
  }
  for (float x : var.value())
    if (x < 0) throw core::ValueError(fmt::format("gaussian_nll: var holds a negative entry {}", x));
  // PyTorch clamps a copy of var under no_grad: the value changes, the gradient
  // passes as if it had not. Adding the (constant) difference does the same.
  const auto floor = static_cast<float>(eps);
  const Tensor clamped = core::clamp(v.value(), floor, std::numeric_limits<float>::infinity());
  if (!core::equal(clamped, v.value())) v = ag::add(v, Var(core::sub(clamped, v.value())));
  Var loss = ag::mul(ag::add(ag::log(v), ag::div(ag::square(ag::sub(input, target)), v)), 0.5f);
  if (full) loss = ag::add(loss, static_cast<float>(0.5 * std::log(2 * std::numbers::pi)));
  return reduce(loss, reduction);
}

Var gaussian_nll(const Var& input, const Tensor& target, const Var& var, Reduction reduction, bool full, double eps) {
  return gaussian_nll(input, Var(target), var, reduction, full, eps);
}

}  // namespace xgrad::nn
