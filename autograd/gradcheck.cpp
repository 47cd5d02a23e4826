#include "xgrad/autograd/gradcheck.hpp"

#include <fmt/format.h>

#include <cmath>

namespace xgrad::autograd {

namespace {

// The output of f as a flat copy, evaluated without recording.
std::vector<double> evaluate(const std::function<Variable<double>(const std::vector<Variable<double>>&)>& f,
                             const std::vector<Variable<double>>& inputs) {
  NoGradGuard no_grad;
  return f(inputs).value().to_vector();
}

}  // namespace

GradcheckResult gradcheck(const std::function<Variable<double>(const std::vector<Variable<double>>&)>& f,
                          const std::vector<Variable<double>>& inputs, const GradcheckOptions& opt) {
  GradcheckResult result;
  const Index n_out = evaluate(f, inputs).size();

  // Analytic Jacobian, one row per output element: backward with a one-hot seed.
  std::vector<std::vector<std::vector<double>>> analytic(inputs.size());  // [input][out][in-element]
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) analytic[i].assign(n_out, std::vector<double>(inputs[i].numel(), 0.0));
  for (Index o = 0; o < n_out; ++o) {
    for (auto v : inputs) v.zero_grad();
    Variable<double> y = f(inputs);
    if (!y.requires_grad()) {
      result.ok = false;
      result.message = "gradcheck: the output does not require a gradient";
      return result;
    }
    Tensor<double> seed = Tensor<double>::zeros(y.shape());
    seed.data()[o] = 1.0;
    y.backward(seed);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].requires_grad() || !inputs[i].grad().defined()) continue;  // no path: the row stays zero
      const double* g = inputs[i].grad().data();
      std::copy(g, g + inputs[i].numel(), analytic[i][o].begin());
    }
  }
  for (auto v : inputs) v.zero_grad();

  // Numeric Jacobian, one column per input element, by central differences.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    Variable<double> in = inputs[i];
    double* x = in.value_mut().data();
    for (Index e = 0; e < in.numel(); ++e) {
      const double saved = x[e];
      x[e] = saved + opt.eps;
      const auto plus = evaluate(f, inputs);
      x[e] = saved - opt.eps;
      const auto minus = evaluate(f, inputs);
      x[e] = saved;
      for (Index o = 0; o < n_out; ++o) {
        const double numeric = (plus[o] - minus[o]) / (2 * opt.eps);
        const double a = analytic[i][o][e];
        const double err = std::abs(a - numeric);
        result.max_abs_error = std::max(result.max_abs_error, err);
        if (!(err <= opt.atol + opt.rtol * std::abs(numeric)) && result.ok) {
          result.ok = false;
          result.message = fmt::format(
              "gradcheck: d output[{}] / d input{}[{}]: backward gives {:.10g}, finite differences {:.10g}", o, i, e,
              a, numeric);
        }
      }
    }
  }
  return result;
}

}  // namespace xgrad::autograd
