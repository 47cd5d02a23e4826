#include "xgrad/nn/optim/clip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "xgrad/nn/optim/detail/fused.hpp"

namespace xgrad::nn {

namespace {

// Sum of x^2 in double lanes, in a fixed order: as accurate as a double loop, and
// the same whatever the thread count.
double sum_squares(const float* x, Index n) {
  using Doubles = xsimd::batch<double>;
  constexpr auto lanes = static_cast<Index>(Doubles::size);
  Doubles acc(0.0);
  Index i = 0;
  for (; i + lanes <= n; i += lanes) {
    const Doubles v = Doubles::load_unaligned(x + i);  // widens float to double
    acc = xsimd::fma(v, v, acc);
  }
  double total = xsimd::hadd(acc);
  for (; i < n; ++i) total += static_cast<double>(x[i]) * x[i];
  return total;
}

}  // namespace

double clip_grad_norm_(const std::vector<Var>& params, double max_norm, double norm_type) {
  if (!(max_norm >= 0)) throw core::ValueError(fmt::format("clip_grad_norm_: max_norm {} must be >= 0", max_norm));
  if (!(norm_type > 0)) throw core::ValueError(fmt::format("clip_grad_norm_: norm_type {} must be > 0", norm_type));
  const bool inf = std::isinf(norm_type);
  double acc = 0;
  for (const Var& p : params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (inf)
      for (float v : g) acc = std::max(acc, static_cast<double>(std::abs(v)));
    else if (norm_type == 2)
      acc += sum_squares(g.data(), g.numel());
    else if (norm_type == 1)
      for (float v : g) acc += std::abs(v);
    else
      for (float v : g) acc += std::pow(std::abs(static_cast<double>(v)), norm_type);
  }
  const double total = inf ? acc : norm_type == 1 ? acc : norm_type == 2 ? std::sqrt(acc) : std::pow(acc, 1 / norm_type);
  const auto coef = static_cast<float>(max_norm / (total + 1e-6));
  // Written as !(coef >= 1) so a NaN or infinite norm spreads into the gradients as
  // it does in PyTorch, instead of passing silently.
  if (!(coef >= 1))
    for (Var p : params) {  // a copy of the handle: the same variable
      Tensor& g = p.grad_mut();
      for (float& v : g) v *= coef;
    }
  return total;
}

void clip_grad_value_(const std::vector<Var>& params, double clip) {
  if (!(clip >= 0)) throw core::ValueError(fmt::format("clip_grad_value_: clip {} must be >= 0", clip));
  const auto hi = static_cast<float>(clip), lo = -hi;
  for (Var p : params) {
    Tensor& g = p.grad_mut();
    for (float& v : g) v = std::min(std::max(v, lo), hi);
  }
}

}  // namespace xgrad::nn
