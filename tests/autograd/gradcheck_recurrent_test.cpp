// Gradcheck cases of the fused recurrent cells. gru_cell takes exact shapes (no
// broadcasting): the cases cover a width inside one SIMD batch, one spanning full
// and partial batches, and a state that also feeds the gate product (gradients
// added into an existing buffer).
#include "gradcheck_table.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_recurrent.hpp"

namespace ag = xgrad::autograd;
using xgrad::core::Shape;
using xgrad::test::GradCase;
using xgrad::test::InputSpec;
using xgrad::test::Vars;

namespace {

const bool registered = xgrad::test::register_cases({
    GradCase{"gru_cell", "H = 4", {InputSpec{Shape{3, 12}}, InputSpec{Shape{3, 12}}, InputSpec{Shape{3, 4}}},
             [](const Vars& v) { return ag::gru_cell(v[0], v[1], v[2]); }},
    GradCase{"gru_cell", "H = 20: two full SIMD batches of doubles and a partial one",
             {InputSpec{Shape{2, 60}}, InputSpec{Shape{2, 60}}, InputSpec{Shape{2, 20}}},
             [](const Vars& v) { return ag::gru_cell(v[0], v[1], v[2]); }},
    GradCase{"gru_cell", "state also feeds gh = linear(h): as in GRUCell",
             {InputSpec{Shape{2, 9}}, InputSpec{Shape{2, 3}}, InputSpec{Shape{9, 3}}, InputSpec{Shape{9}}},
             [](const Vars& v) { return ag::gru_cell(v[0], ag::linear(v[1], v[2], v[3]), v[1]); }},
    GradCase{"gru_cell", "state without gradient (the zeros a sequence starts from)",
             {InputSpec{Shape{2, 6}}, InputSpec{Shape{2, 6}}, InputSpec{Shape{2, 2}, -2, 2, 0, false}},
             [](const Vars& v) { return ag::gru_cell(v[0], v[1], v[2]); }},
});

}  // namespace
