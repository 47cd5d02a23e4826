#include "gradcheck_table.hpp"

#include <catch2/catch.hpp>

#include <set>

#include "xgrad/autograd/op_list.hpp"
#include "xgrad/autograd/record.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/random.hpp"

namespace xgrad::test {

std::vector<GradCase>& gradcheck_registry() {
  static std::vector<GradCase> cases;
  return cases;
}

Vars make_inputs(const GradCase& c, std::uint64_t seed) {
  core::Generator gen(seed);
  Vars vars;
  for (const auto& spec : c.inputs) {
    auto t = core::uniform<double>(spec.shape, spec.lo, spec.hi, gen);
    if (spec.away_from_zero > 0)
      for (double& v : t) v = v >= 0 ? v + spec.away_from_zero : v - spec.away_from_zero;
    vars.emplace_back(std::move(t), spec.requires_grad);
  }
  return vars;
}

}  // namespace xgrad::test

using namespace xgrad;

TEST_CASE("every differentiable op passes gradcheck on every case of the table", "[gradcheck]") {
  const auto& cases = test::gradcheck_registry();
  REQUIRE(!cases.empty());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO("op " << c.op << ": " << c.label);
    auto inputs = test::make_inputs(c, 1000 + i);
    const auto r = autograd::gradcheck(c.f, inputs, c.options);
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("the gradcheck table covers every op of the op list", "[gradcheck]") {
  const int op_count = static_cast<int>(autograd::OpId::leaf);  // leaf follows the last op
  std::set<std::string> covered;
  for (const auto& c : test::gradcheck_registry()) covered.insert(c.op);
  std::vector<std::string> missing;
  for (int i = 0; i < op_count; ++i) {
    const std::string name = autograd::op_name(static_cast<autograd::OpId>(i));
    if (!covered.count(name)) missing.push_back(name);
  }
  INFO("ops without a gradcheck case: " << [&] {
    std::string s;
    for (auto& m : missing) s += m + " ";
    return s;
  }());
  CHECK(missing.empty());
  // And no case names an op that does not exist (a typo would hide a missing case).
  std::set<std::string> known;
  for (int i = 0; i < op_count; ++i) known.insert(autograd::op_name(static_cast<autograd::OpId>(i)));
  for (const auto& name : covered) {
    INFO("unknown op in the table: " << name);
    CHECK(known.count(name) == 1);
  }
}

TEST_CASE("gradcheck reports a wrong backward with the input and element", "[gradcheck]") {
  // Forward x^2, but a backward that claims 3x: gradcheck must say where it differs.
  auto wrong_square = [](const test::Vars& v) {
    return autograd::detail::record(
        autograd::OpId::square, core::mul(v[0].value(), v[0].value()),
        [](autograd::Node<double>& self, core::Tensor<double>& gy) {
          self.accumulate(0, core::mul(gy, core::mul(self.input(0), 3.0)));
        },
        v[0]);
  };
  test::Vars in{autograd::Variable<double>(core::Tensor<double>(core::Shape{2}, {1.0, 2.0}), true)};
  const auto r = autograd::gradcheck(wrong_square, in);
  CHECK_FALSE(r.ok);
  CHECK(r.message == "gradcheck: d output[0] / d input0[0]: backward gives 3, finite differences 2");
  CHECK(r.max_abs_error == Approx(2.0));  // element 1: 6 vs 4
}
