#pragma once
// Finite-difference gradient checking, in double precision.
#include <functional>
#include <string>
#include <vector>

#include "xgrad/autograd/variable.hpp"

namespace xgrad::autograd {

struct GradcheckOptions {
  double eps = 1e-6;   ///< central-difference step
  double atol = 1e-5;  ///< |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;
  /// Empty when ok; otherwise names the input, the element, and both values.
  std::string message;
};

/// Compares the full Jacobian of f at `inputs` computed by backward (one pass per
/// output element) with central finite differences. Only inputs with
/// requires_grad are checked; their values are perturbed in place and restored.
GradcheckResult gradcheck(const std::function<Variable<double>(const std::vector<Variable<double>>&)>& f,
                          const std::vector<Variable<double>>& inputs, const GradcheckOptions& opt = {});

}  // namespace xgrad::autograd
