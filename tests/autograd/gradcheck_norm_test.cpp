// Gradcheck cases of the fused layer norm: the weight and bias broadcast over every row,
// with and without them, over one and two trailing axes, more rows than one block of the
// kernel's dw/db sums (64), and an input that also feeds another op (gradients added).
#include "gradcheck_table.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_norm.hpp"

namespace ag = xgrad::autograd;
using xgrad::autograd::Variable;
using xgrad::core::Shape;
using xgrad::test::GradCase;
using xgrad::test::InputSpec;
using xgrad::test::Vars;

namespace {

const bool registered = xgrad::test::register_cases({
    GradCase{"layer_norm", "last axis, weight and bias broadcast over (2, 3) rows",
             {InputSpec{Shape{2, 3, 5}}, InputSpec{Shape{5}}, InputSpec{Shape{5}}},
             [](const Vars& v) { return ag::layer_norm(v[0], v[1], v[2], 1e-5); }},
    GradCase{"layer_norm", "two trailing axes (3, 4), large eps",
             {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{3, 4}}, InputSpec{Shape{3, 4}}},
             [](const Vars& v) { return ag::layer_norm(v[0], v[1], v[2], 0.5, 2); }},
    GradCase{"layer_norm", "no affine part", {InputSpec{Shape{4, 6}}},
             [](const Vars& v) { return ag::layer_norm(v[0], Variable<double>(), Variable<double>(), 1e-5); }},
    GradCase{"layer_norm", "weight only", {InputSpec{Shape{3, 4}}, InputSpec{Shape{4}}},
             [](const Vars& v) { return ag::layer_norm(v[0], v[1], Variable<double>(), 1e-5); }},
    GradCase{"layer_norm", "bias only", {InputSpec{Shape{3, 4}}, InputSpec{Shape{4}}},
             [](const Vars& v) { return ag::layer_norm(v[0], Variable<double>(), v[1], 1e-5); }},
    GradCase{"layer_norm", "150 rows: dw and db summed over three row blocks",
             {InputSpec{Shape{150, 3}}, InputSpec{Shape{3}}, InputSpec{Shape{3}}},
             [](const Vars& v) { return ag::layer_norm(v[0], v[1], v[2], 1e-5); }},
    GradCase{"layer_norm", "the input also multiplies the output (its gradients add)",
             {InputSpec{Shape{2, 5}}, InputSpec{Shape{5}}, InputSpec{Shape{5}}},
             [](const Vars& v) { return ag::layer_norm(v[0], v[1], v[2], 1e-5) * v[0] * v[1]; }},
});

}  // namespace
