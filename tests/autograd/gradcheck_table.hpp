#pragma once
// The gradcheck table: every differentiable op registers one or more cases here
// (in the gradcheck_*_test.cpp files), each a function of double inputs drawn
// from a seeded generator. One test runs them all; another fails if an op of
// autograd/op_list.hpp has no case.
#include <functional>
#include <string>
#include <vector>

#include "xgrad/autograd/gradcheck.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::test {

using autograd::Variable;
using Vars = std::vector<Variable<double>>;

struct InputSpec {
  core::Shape shape;
  double lo = -2.0, hi = 2.0;
  /// Values are pushed at least this far from zero (ops with a kink at 0).
  double away_from_zero = 0.0;
  bool requires_grad = true;
};

struct GradCase {
  std::string op;     ///< name in XGRAD_AUTOGRAD_OPS
  std::string label;  ///< what the case exercises, e.g. "broadcast (3,1,4) with (1,5,1)"
  std::vector<InputSpec> inputs;
  std::function<Variable<double>(const Vars&)> f;
  autograd::GradcheckOptions options = {};
};

std::vector<GradCase>& gradcheck_registry();

/// Adds cases at static-initialisation time: `static const bool r = register_cases({...});`
inline bool register_cases(std::vector<GradCase> cases) {
  for (auto& c : cases) gradcheck_registry().push_back(std::move(c));
  return true;
}

/// Inputs for a case, drawn from a generator seeded by the case's position.
Vars make_inputs(const GradCase& c, std::uint64_t seed);

}  // namespace xgrad::test
