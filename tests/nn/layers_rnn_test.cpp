#include <catch2/catch.hpp>

#include "layer_case.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/layers/rnn.hpp"

using namespace xgrad;
using test::case_input;
using test::check_case;
using test::load_case;

namespace {
std::vector<std::string> names(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [n, v] : m.named_parameters()) out.push_back(n);
  return out;
}
}  // namespace

TEST_CASE("GRUCell matches PyTorch, forward and gradients of input, state and weights", "[layers]") {
  core::Generator gen(1);
  auto cell = nn::make<nn::GRUCell>(nn::RNNCellOptions{.in = 4, .hidden = 5}, gen);
  CHECK(names(*cell) == std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"});
  CHECK(cell->w.weight_ih.shape() == nn::Shape{15, 4});
  load_case(*cell, "gru_cell");
  auto x = case_input("gru_cell");
  auto h = case_input("gru_cell", "h");
  check_case("gru_cell", {{"y", cell->forward(x, h)}}, {{"x", x}, {"h", h}}, *cell);
}

TEST_CASE("LSTMCell matches PyTorch, forward and gradients of input, states and weights", "[layers]") {
  core::Generator gen(1);
  auto cell = nn::make<nn::LSTMCell>(nn::RNNCellOptions{.in = 4, .hidden = 5}, gen);
  CHECK(cell->w.weight_hh.shape() == nn::Shape{20, 5});
  load_case(*cell, "lstm_cell");
  auto x = case_input("lstm_cell");
  auto h = case_input("lstm_cell", "h");
  auto c = case_input("lstm_cell", "c");
  const nn::LSTMState s = cell->forward(x, {h, c});
  check_case("lstm_cell", {{"h1", s.h}, {"c1", s.c}}, {{"x", x}, {"h", h}, {"c", c}}, *cell);
}

TEST_CASE("a cell without a state starts from zeros", "[layers]") {
  core::Generator gen(1);
  nn::GRUCell gru({.in = 3, .hidden = 4}, gen);
  nn::LSTMCell lstm({.in = 3, .hidden = 4}, gen);
  const nn::Var x(core::normal<float>({2, 3}, 0.f, 1.f, gen));
  const nn::Var zeros(nn::Tensor::zeros({2, 4}));
  CHECK(core::equal(gru.forward(x).value(), gru.forward(x, zeros).value()));
  CHECK(core::equal(lstm.forward(x).c.value(), lstm.forward(x, {zeros, zeros}).c.value()));
}

TEST_CASE("cells reject inputs and states of the wrong shape", "[layers]") {
  core::Generator gen(1);
  nn::GRUCell gru({.in = 3, .hidden = 4}, gen);
  CHECK_THROWS_WITH(gru.forward(nn::Var(nn::Tensor::zeros({2, 5}))), "GRUCell: input of shape (2, 5) is not (B, 3)");
  CHECK_THROWS_WITH(gru.forward(nn::Var(nn::Tensor::zeros({2, 3})), nn::Var(nn::Tensor::zeros({3, 4}))),
                    "GRUCell: hidden state of shape (3, 4) is not (B, H) = (2, 4)");
  nn::LSTMCell lstm({.in = 3, .hidden = 4}, gen);
  CHECK_THROWS_AS(lstm.forward(nn::Var(nn::Tensor::zeros({2, 3})), {nn::Var(), nn::Var(nn::Tensor::zeros({2, 5}))}),
                  core::ShapeError);
}

TEST_CASE("a cell without bias has only its two weights", "[layers]") {
  core::Generator gen(1);
  nn::LSTMCell cell({.in = 3, .hidden = 4, .bias = false}, gen);
  CHECK(names(cell) == std::vector<std::string>{"weight_ih", "weight_hh"});
  CHECK(cell.forward(nn::Var(nn::Tensor::ones({2, 3}))).h.shape() == nn::Shape{2, 4});
}

TEST_CASE("a two-layer GRU over a sequence matches PyTorch, outputs and gradients", "[layers]") {
  core::Generator gen(1);
  auto gru = nn::make<nn::GRU>(nn::RNNOptions{.in = 3, .hidden = 5, .layers = 2}, gen);
  CHECK(names(*gru) == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"});
  load_case(*gru, "gru2");
  auto x = case_input("gru2");
  auto h0 = case_input("gru2", "h0");
  const nn::GRUOutput out = gru->forward(x, h0);
  CHECK(out.output.shape() == nn::Shape{2, 4, 5});
  CHECK(out.h.shape() == nn::Shape{2, 2, 5});
  check_case("gru2", {{"y", out.output}, {"hn", out.h}}, {{"x", x}, {"h0", h0}}, *gru);
}

TEST_CASE("a GRU without an initial state starts from zeros like PyTorch", "[layers]") {
  core::Generator gen(1);
  auto gru = nn::make<nn::GRU>(nn::RNNOptions{.in = 3, .hidden = 4}, gen);
  load_case(*gru, "gru1_zero_state");
  auto x = case_input("gru1_zero_state");
  const nn::GRUOutput out = gru->forward(x);
  check_case("gru1_zero_state", {{"y", out.output}, {"hn", out.h}}, {{"x", x}}, *gru);
}

TEST_CASE("a two-layer LSTM over a sequence matches PyTorch, outputs and gradients", "[layers]") {
  core::Generator gen(1);
  auto lstm = nn::make<nn::LSTM>(nn::RNNOptions{.in = 3, .hidden = 5, .layers = 2}, gen);
  load_case(*lstm, "lstm2");
  auto x = case_input("lstm2");
  auto h0 = case_input("lstm2", "h0");
  auto c0 = case_input("lstm2", "c0");
  const nn::LSTMOutput out = lstm->forward(x, {h0, c0});
  check_case("lstm2", {{"y", out.output}, {"hn", out.state.h}, {"cn", out.state.c}}, {{"x", x}, {"h0", h0}, {"c0", c0}},
             *lstm);
}

TEST_CASE("a GRU's last output step is its final hidden state", "[layers]") {
  core::Generator gen(5);
  nn::GRU gru({.in = 2, .hidden = 3, .layers = 2}, gen);
  const nn::GRUOutput out = gru.forward(nn::Var(core::normal<float>({4, 6, 2}, 0.f, 1.f, gen)));
  const nn::Tensor last = core::narrow(out.output.value(), 1, 5, 1).reshape({4, 3});
  CHECK(core::equal(last, core::narrow(out.h.value(), 0, 1, 1).reshape({4, 3})));
}

TEST_CASE("sequence layers reject inputs and states of the wrong shape", "[layers]") {
  core::Generator gen(1);
  nn::GRU gru({.in = 3, .hidden = 4, .layers = 2}, gen);
  CHECK_THROWS_WITH(gru.forward(nn::Var(nn::Tensor::zeros({2, 5, 4}))),
                    "GRU: input of shape (2, 5, 4) is not (B, T, 3) with T > 0");
  CHECK_THROWS_WITH(gru.forward(nn::Var(nn::Tensor::zeros({2, 5, 3})), nn::Var(nn::Tensor::zeros({1, 2, 4}))),
                    "GRU: initial hidden state of shape (1, 2, 4) is not (layers, B, H) = (2, 2, 4)");
  nn::LSTM lstm({.in = 3, .hidden = 4}, gen);
  CHECK_THROWS_AS(lstm.forward(nn::Var(nn::Tensor::zeros({2, 0, 3}))), core::ShapeError);
  CHECK_THROWS_AS(nn::GRU({.in = 3, .hidden = 4, .layers = 0}, gen), core::ValueError);
}
