// Gradcheck cases of reductions (several axes, keepdim) and movement ops.
#include "gradcheck_table.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace ag = xgrad::autograd;
using xgrad::core::IndexTensor;
using xgrad::core::Shape;
using xgrad::test::GradCase;
using xgrad::test::InputSpec;
using xgrad::test::Vars;

namespace {

GradCase one(const char* op, const char* label, InputSpec in, std::function<ag::Variable<double>(const Vars&)> f) {
  return {op, label, {std::move(in)}, std::move(f)};
}

const Shape k3{2, 3, 4};

const bool registered = xgrad::test::register_cases({
    one("sum", "all axes", {k3}, [](const Vars& v) { return ag::sum(v[0]); }),
    one("sum", "axes {0, 2}", {k3}, [](const Vars& v) { return ag::sum(v[0], {0, 2}); }),
    one("sum", "axis -1 keepdim", {k3}, [](const Vars& v) { return ag::sum(v[0], {-1}, true); }),
    one("mean", "axes {1}", {k3}, [](const Vars& v) { return ag::mean(v[0], {1}); }),
    one("mean", "axes {0, 1} keepdim", {k3}, [](const Vars& v) { return ag::mean(v[0], {0, 1}, true); }),
    one("var", "axes {1, 2} unbiased", {k3}, [](const Vars& v) { return ag::var(v[0], {1, 2}); }),
    one("var", "all axes, correction 0", {k3}, [](const Vars& v) { return ag::var(v[0], {}, false, 0); }),
    one("max", "axis 1", {k3}, [](const Vars& v) { return ag::max(v[0], {1}); }),
    one("max", "axes {0, 2} keepdim", {k3}, [](const Vars& v) { return ag::max(v[0], {0, 2}, true); }),
    one("min", "all axes", {k3}, [](const Vars& v) { return ag::min(v[0]); }),
    one("min", "axis -1", {k3}, [](const Vars& v) { return ag::min(v[0], {-1}); }),
    one("logsumexp", "axis 1", {k3}, [](const Vars& v) { return ag::logsumexp(v[0], {1}); }),
    one("logsumexp", "axes {0, 2} keepdim", {k3}, [](const Vars& v) { return ag::logsumexp(v[0], {0, 2}, true); }),
    one("reshape", "(2,3,4) -> (4, -1)", {k3}, [](const Vars& v) { return ag::reshape(v[0], Shape{4, -1}); }),
    one("reshape", "flatten, unsqueeze and squeeze", {k3},
        [](const Vars& v) { return ag::squeeze(ag::unsqueeze(ag::flatten(v[0], 1), 0), 0); }),
    one("permute", "(2,3,4) by (2,0,1)", {k3}, [](const Vars& v) { return ag::permute(v[0], {2, 0, 1}); }),
    one("permute", "transpose of the last two", {k3}, [](const Vars& v) { return ag::transpose(v[0]); }),
    one("slice", "axis 2, step 2", {k3}, [](const Vars& v) { return ag::slice(v[0], 2, 0, 4, 2); }),
    one("slice", "narrow axis 1", {k3}, [](const Vars& v) { return ag::narrow(v[0], 1, 1, 2); }),
    GradCase{"concat", "three inputs on axis 1",
             {InputSpec{Shape{2, 1, 3}}, InputSpec{Shape{2, 2, 3}}, InputSpec{Shape{2, 3, 3}}},
             [](const Vars& v) { return ag::concat(v, 1); }},
    GradCase{"stack", "two inputs on a new axis 1", {InputSpec{Shape{2, 3}}, InputSpec{Shape{2, 3}}},
             [](const Vars& v) { return ag::stack(v, 1); }},
    one("split", "sizes {1, 3} on axis 2, both pieces used", {k3},
        [](const Vars& v) {
          auto parts = ag::split(v[0], {1, 3}, 2);
          return ag::concat(std::vector<ag::Variable<double>>{ag::mul(parts[1], 2.0), parts[0]}, 2);
        }),
    one("split", "overlapping narrows and the whole input add into one gradient", {k3},
        [](const Vars& v) {
          auto parts = ag::split(v[0], {2, 2}, 2);
          const auto both = ag::mul(parts[0], ag::narrow(v[0], 2, 1, 2));
          return ag::add(ag::concat(std::vector<ag::Variable<double>>{both, parts[1]}, 2), ag::exp(v[0]));
        }),
    one("index_select", "repeated indices on axis 1", {k3},
        [](const Vars& v) { return ag::index_select(v[0], 1, IndexTensor(Shape{4}, {2, 0, 2, 1})); }),
    one("embedding", "(2, 3) repeated indices into a (5, 3) table", {Shape{5, 3}},
        [](const Vars& v) { return ag::embedding(v[0], IndexTensor(Shape{2, 3}, {4, 0, 4, 1, 1, 2})); }),
    one("gather", "axis 1 of (3, 4)", {Shape{3, 4}},
        [](const Vars& v) { return ag::gather(v[0], 1, IndexTensor(Shape{3, 2}, {0, 3, 1, 1, 2, 0})); }),
    one("broadcast_to", "(3, 1) -> (2, 3, 4)", {Shape{3, 1}},
        [](const Vars& v) { return ag::broadcast_to(v[0], Shape{2, 3, 4}); }),
});

}  // namespace
