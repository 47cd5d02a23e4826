#include "xgrad/models/common/recurrence.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/core/error.hpp"

namespace xgrad::models {

RecurrentState keep_rows(const nn::Tensor& keep, const RecurrentState& next, const RecurrentState& prev) {
  if (!keep.defined()) return next;
  return {autograd::where(keep, next.h, prev.h), next.c.defined() ? autograd::where(keep, next.c, prev.c) : Var()};
}

Recurrence::Recurrence(RecurrentCell kind, const nn::RNNCellOptions& options, core::Generator& gen) {
  if (kind == RecurrentCell::GRU)
    cell_ = nn::make<nn::GRUCell>(options, gen);
  else
    cell_ = nn::make<nn::LSTMCell>(options, gen);
}

RecurrentState Recurrence::step(const Var& x, const RecurrentState& s) const {
  if (!lstm()) return {std::get<std::shared_ptr<nn::GRUCell>>(cell_)->forward(x, s.h), {}};
  const nn::LSTMState next = std::get<std::shared_ptr<nn::LSTMCell>>(cell_)->forward(x, {s.h, s.c});
  return {next.h, next.c};
}

RecurrentState Recurrence::zeros(Index rows) const {
  RecurrentState s{Var(nn::Tensor::zeros({rows, hidden()})), {}};
  if (lstm()) s.c = Var(nn::Tensor::zeros({rows, hidden()}));
  return s;
}

RecurrentState Recurrence::start(Index rows, const RecurrentState& given) const {
  if (!given.defined()) return zeros(rows);
  if (given.h.dim() != 2 || given.h.size(0) != rows || given.h.size(1) != hidden())
    throw core::ShapeError(fmt::format("{} state of shape {} for {} rows of hidden size {}", name(),
                                       given.h.shape().str(), rows, hidden()));
  return given;
}

Index Recurrence::hidden() const {
  return std::visit([](const auto& cell) { return cell->options.hidden; }, cell_);
}

std::shared_ptr<nn::Module> Recurrence::module() const {
  return std::visit([](const auto& cell) -> std::shared_ptr<nn::Module> { return cell; }, cell_);
}

std::string Recurrence::name() const {
  return lstm() ? "LSTM" : "GRU";
}

}  // namespace xgrad::models
