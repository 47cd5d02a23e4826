#include "xgrad/nn/module.hpp"

#include <catch2/catch.hpp>

using namespace xgrad;
using nn::Shape;
using nn::Tensor;

namespace {

// A module exposing registration, to test Module itself.
struct Leafy : nn::Module {
  explicit Leafy(nn::Index n = 2) {
    register_parameter("weight", Tensor::full({n, 3}, 1.f));
    register_parameter("bias", Tensor::full({n}, 2.f));
    register_buffer("stat", Tensor::full({n}, 3.f));
  }
  using Module::register_buffer;
  using Module::register_module;
  using Module::register_parameter;
  std::string describe() const override { return "Leafy"; }
};

struct Tree : nn::Module {
  Tree() {
    register_parameter("scale", Tensor::ones({1}));
    enc = register_module("encoder", nn::make<Leafy>(2));
    dec = register_module("decoder", nn::make<Leafy>(4));
  }
  std::shared_ptr<Leafy> enc, dec;
  std::string describe() const override { return "Tree"; }
};

std::vector<std::string> keys(const nn::StateDict& s) {
  std::vector<std::string> out;
  for (const auto& [k, v] : s) out.push_back(k);
  return out;
}

}  // namespace

TEST_CASE("registering a parameter, buffer or module name twice is an error", "[module]") {
  Leafy m;
  CHECK_THROWS_WITH(m.register_parameter("weight", Tensor::ones({1})),
                    "register_parameter: 'weight' is already registered");
  CHECK_THROWS_WITH(m.register_buffer("stat", Tensor::ones({1})), "register_buffer: 'stat' is already registered");
  m.register_module("child", nn::make<Leafy>());
  CHECK_THROWS_WITH(m.register_module("child", nn::make<Leafy>()), "register_module: 'child' is already registered");
}

TEST_CASE("registered names must be non-empty and free of dots", "[module]") {
  Leafy m;
  CHECK_THROWS_AS(m.register_parameter("a.b", Tensor::ones({1})), core::ValueError);
  CHECK_THROWS_AS(m.register_buffer("", Tensor::ones({1})), core::ValueError);
  CHECK_THROWS_AS(m.register_module("x.y", nn::make<Leafy>()), core::ValueError);
  CHECK_THROWS_AS(m.register_module("null", std::shared_ptr<Leafy>()), core::ValueError);
}

TEST_CASE("named_parameters walks children depth-first in registration order with dotted names", "[module]") {
  Tree t;
  std::vector<std::string> names;
  for (const auto& [n, v] : t.named_parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"scale", "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"});
  std::vector<std::string> buffers;
  for (const auto& [n, v] : t.named_buffers()) buffers.push_back(n);
  CHECK(buffers == std::vector<std::string>{"encoder.stat", "decoder.stat"});
}

TEST_CASE("parameter_count counts the elements of every parameter but not buffers", "[module]") {
  Tree t;
  CHECK(t.parameter_count() == 1 + (2 * 3 + 2) + (4 * 3 + 4));
  CHECK(t.parameters().size() == 5);
}

TEST_CASE("parameters share their node with the module, so updates through them are seen", "[module]") {
  Leafy m;
  auto params = m.parameters();
  params[0].value_mut().fill_(7.f);
  CHECK(m.state_dict()[0].second.at({1, 2}) == 7.f);
}

TEST_CASE("state_dict lists parameters then buffers, and loads back into a fresh module", "[module]") {
  Tree a, b;
  a.enc->parameters()[0].value_mut().fill_(5.f);
  a.named_buffers()[1].second.value_mut().fill_(-1.f);
  const nn::StateDict state = a.state_dict();
  CHECK(keys(state) == std::vector<std::string>{"scale", "encoder.weight", "encoder.bias", "decoder.weight",
                                                "decoder.bias", "encoder.stat", "decoder.stat"});
  b.load_state_dict(state);
  const nn::StateDict back = b.state_dict();
  for (std::size_t i = 0; i < state.size(); ++i) CHECK(core::equal(back[i].second, state[i].second));
  CHECK(back[1].second.at({0, 0}) == 5.f);
  CHECK(back[6].second.at({0}) == -1.f);
}

TEST_CASE("state_dict values are copies, not views of the parameters", "[module]") {
  Leafy m;
  nn::StateDict state = m.state_dict();
  state[0].second.fill_(9.f);
  CHECK(m.state_dict()[0].second.at({0, 0}) == 1.f);
}

TEST_CASE("strict load_state_dict names a missing key", "[module]") {
  Tree t;
  nn::StateDict state = t.state_dict();
  state.erase(state.begin() + 2);
  CHECK_THROWS_WITH(t.load_state_dict(state), "load_state_dict: missing key 'encoder.bias' (shape (2))");
}

TEST_CASE("strict load_state_dict names an unexpected key", "[module]") {
  Tree t;
  nn::StateDict state = t.state_dict();
  state.emplace_back("decoder.extra", Tensor::ones({1}));
  CHECK_THROWS_WITH(t.load_state_dict(state), "load_state_dict: unexpected key 'decoder.extra'");
}

TEST_CASE("load_state_dict names a mis-shaped key and both shapes", "[module]") {
  Tree t;
  nn::StateDict state = t.state_dict();
  state[3].second = Tensor::ones({3, 4});
  CHECK_THROWS_AS(t.load_state_dict(state), core::ShapeError);
  CHECK_THROWS_WITH(t.load_state_dict(state),
                    "load_state_dict: key 'decoder.weight' has shape (3, 4) in the state but (4, 3) in the module");
}

TEST_CASE("a failed load_state_dict changes nothing", "[module]") {
  Tree t;
  nn::StateDict state = t.state_dict();
  for (auto& [k, v] : state) v.fill_(8.f);
  state.emplace_back("bogus", Tensor::ones({1}));
  CHECK_THROWS(t.load_state_dict(state));
  CHECK(t.state_dict()[0].second.item() == 1.f);
}

TEST_CASE("non-strict load_state_dict skips missing and unexpected keys but not mis-shaped ones", "[module]") {
  Tree t;
  nn::StateDict state{{"scale", Tensor::full({1}, 4.f)}, {"unknown", Tensor::ones({2})}};
  t.load_state_dict(state, false);
  CHECK(t.state_dict()[0].second.item() == 4.f);
  state.emplace_back("encoder.bias", Tensor::ones({5}));
  CHECK_THROWS_AS(t.load_state_dict(state, false), core::ShapeError);
}

TEST_CASE("a key given twice is an error", "[module]") {
  Leafy m;
  nn::StateDict state = m.state_dict();
  state.push_back(state[0]);
  CHECK_THROWS_WITH(m.load_state_dict(state), "load_state_dict: key 'weight' appears twice");
}

TEST_CASE("train and eval switch the whole tree", "[module]") {
  Tree t;
  CHECK(t.is_training());
  t.eval();
  CHECK_FALSE(t.is_training());
  CHECK_FALSE(t.dec->is_training());
  t.train();
  CHECK(t.enc->is_training());
}

TEST_CASE("zero_grad forgets every parameter's gradient", "[module]") {
  Tree t;
  for (auto& p : t.parameters()) p.grad_mut() = Tensor::ones(p.shape());
  t.zero_grad();
  for (auto& p : t.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("to_string shows the tree of children by name", "[module]") {
  Tree t;
  CHECK(t.to_string() == "Tree\n  encoder: Leafy\n  decoder: Leafy");
}
