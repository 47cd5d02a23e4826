// Gradcheck cases of the element-wise ops, with broadcasting shapes.
#include "gradcheck_table.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/core/elementwise.hpp"

namespace ag = xgrad::autograd;
using xgrad::core::Shape;
using xgrad::test::GradCase;
using xgrad::test::InputSpec;
using xgrad::test::Vars;

namespace {

const Shape kA{3, 1, 4}, kB{1, 5, 1};  // broadcast together to (3, 5, 4)

GradCase binary(const char* op, const char* label, Shape a, Shape b,
                std::function<ag::Variable<double>(const Vars&)> f, double lo = -2, double hi = 2) {
  return {op, label, {InputSpec{a, lo, hi}, InputSpec{b, lo, hi}}, std::move(f)};
}

GradCase unary(const char* op, std::function<ag::Variable<double>(const Vars&)> f, InputSpec in = {Shape{2, 3}}) {
  return {op, "shape (2, 3)", {in}, std::move(f)};
}

const bool registered = xgrad::test::register_cases({
    binary("add", "same shape", Shape{2, 3}, Shape{2, 3}, [](const Vars& v) { return v[0] + v[1]; }),
    binary("add", "broadcast (3,1,4) with (1,5,1)", kA, kB, [](const Vars& v) { return v[0] + v[1]; }),
    binary("add", "bias row (2,3) with (3)", Shape{2, 3}, Shape{3}, [](const Vars& v) { return v[0] + v[1]; }),
    binary("sub", "broadcast (3,1,4) with (1,5,1)", kA, kB, [](const Vars& v) { return v[0] - v[1]; }),
    binary("sub", "scalar-shaped (2,3) with ()", Shape{2, 3}, Shape{}, [](const Vars& v) { return v[0] - v[1]; }),
    binary("mul", "broadcast (3,1,4) with (1,5,1)", kA, kB, [](const Vars& v) { return v[0] * v[1]; }),
    binary("mul", "same input twice (fan-out)", Shape{4}, Shape{4}, [](const Vars& v) { return v[0] * v[0] * v[1]; }),
    binary("div", "broadcast (3,1,4) with (1,5,1)", kA, kB, [](const Vars& v) { return v[0] / v[1]; }, 0.5, 2.0),
    binary("pow", "broadcast, positive base", kA, kB, [](const Vars& v) { return ag::pow(v[0], v[1]); }, 0.5, 2.0),
    binary("maximum", "broadcast (2,3) with (3)", Shape{2, 3}, Shape{3},
           [](const Vars& v) { return ag::maximum(v[0], v[1]); }),
    binary("minimum", "broadcast (3,1,4) with (1,5,1)", kA, kB, [](const Vars& v) { return ag::minimum(v[0], v[1]); }),
    // Every element a tie (lo == hi): central differences give exactly 1/2 per side, as
    // PyTorch's half-and-half split does; the broadcast operand sums its halves.
    binary("maximum", "all ties, (2,3) with (3)", Shape{2, 3}, Shape{3},
           [](const Vars& v) { return ag::maximum(v[0], v[1]); }, 0.75, 0.75),
    binary("minimum", "all ties, (3) with (2,3)", Shape{3}, Shape{2, 3},
           [](const Vars& v) { return ag::minimum(v[0], v[1]); }, -0.5, -0.5),
    unary("add_scalar", [](const Vars& v) { return v[0] + 1.5; }),
    unary("add_scalar", [](const Vars& v) { return v[0] - 1.5; }),  // sub(a, s) is add(a, -s)
    unary("mul_scalar", [](const Vars& v) { return v[0] * -2.5; }),
    unary("mul_scalar", [](const Vars& v) { return v[0] / 4.0; }),  // div(a, s) is mul(a, 1/s)
    unary("rsub_scalar", [](const Vars& v) { return 3.0 - v[0]; }),
    unary("rdiv_scalar", [](const Vars& v) { return 3.0 / v[0]; }, {Shape{2, 3}, 0.5, 2.0}),
    unary("pow_scalar", [](const Vars& v) { return ag::pow(v[0], 3.0); }),
    unary("pow_scalar", [](const Vars& v) { return ag::pow(v[0], 0.5); }, {Shape{2, 3}, 0.5, 2.0}),
    unary("pow_scalar", [](const Vars& v) { return ag::pow(v[0], -1.5); }, {Shape{2, 3}, 0.5, 2.0}),
    unary("neg", [](const Vars& v) { return -v[0]; }),
    unary("exp", [](const Vars& v) { return ag::exp(v[0]); }),
    unary("log", [](const Vars& v) { return ag::log(v[0]); }, {Shape{2, 3}, 0.2, 3.0}),
    unary("log1p", [](const Vars& v) { return ag::log1p(v[0]); }, {Shape{2, 3}, -0.5, 3.0}),
    unary("expm1", [](const Vars& v) { return ag::expm1(v[0]); }),
    unary("sqrt", [](const Vars& v) { return ag::sqrt(v[0]); }, {Shape{2, 3}, 0.2, 3.0}),
    unary("rsqrt", [](const Vars& v) { return ag::rsqrt(v[0]); }, {Shape{2, 3}, 0.2, 3.0}),
    unary("abs", [](const Vars& v) { return ag::abs(v[0]); }, {Shape{2, 3}, -2, 2, 0.1}),
    unary("square", [](const Vars& v) { return ag::square(v[0]); }),
    unary("clamp", [](const Vars& v) { return ag::clamp(v[0], -0.5, 0.7); }, {Shape{3, 4}, -2, 2, 0.05}),
    unary("tanh", [](const Vars& v) { return ag::tanh(v[0]); }),
    unary("sigmoid", [](const Vars& v) { return ag::sigmoid(v[0]); }, {Shape{2, 3}, -6, 6}),
    unary("relu", [](const Vars& v) { return ag::relu(v[0]); }, {Shape{2, 3}, -2, 2, 0.1}),
    unary("leaky_relu", [](const Vars& v) { return ag::leaky_relu(v[0], 0.2); }, {Shape{2, 3}, -2, 2, 0.1}),
    unary("elu", [](const Vars& v) { return ag::elu(v[0], 1.3); }, {Shape{2, 3}, -2, 2, 0.1}),
    unary("softplus", [](const Vars& v) { return ag::softplus(v[0]); }, {Shape{2, 3}, -8, 8}),
    unary("gelu", [](const Vars& v) { return ag::gelu(v[0]); }, {Shape{3, 7}, -5, 5}),
    unary("gelu", [](const Vars& v) { return ag::gelu(v[0]); }, {Shape{19}, -0.5, 0.5}),
    GradCase{"where", "broadcast condition (3,1) over (3,4) and (4)",
             {InputSpec{Shape{3, 4}}, InputSpec{Shape{4}}},
             [](const Vars& v) {
               const xgrad::core::Tensor<double> cond(Shape{3, 1}, {1, 0, 1});
               return ag::where(cond, v[0], v[1]);
             }},
});

}  // namespace
