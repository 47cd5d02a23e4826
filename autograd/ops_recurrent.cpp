#include "xgrad/autograd/ops_recurrent.hpp"

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/recurrent.hpp"

namespace xgrad::autograd {

template <class T>
Variable<T> gru_cell(const Variable<T>& gi, const Variable<T>& gh, const Variable<T>& h) {
  Tensor<T> gates;
  Tensor<T> y = core::gru_cell_forward(gi.value(), gh.value(), h.value(), gates);
  // The closure keeps the gates [r, z, n]: recomputing them would cost the forward's
  // transcendentals again, and they are as large as gi.
  return detail::record(OpId::gru_cell, std::move(y), [gates = std::move(gates)](Node<T>& self, Tensor<T>& gy) {
    Tensor<T>* out[3] = {nullptr, nullptr, nullptr};
    bool add[3] = {false, false, false};
    for (std::size_t i = 0; i < 3; ++i)
      if (self.needs_grad(i)) add[i] = self.grad_buffer(i, out[i]) != T(0);
    core::gru_cell_backward(gy, gates, self.input(1), self.input(2), out[0], add[0], out[1], add[1], out[2], add[2]);
  }, gi, gh, h);
}

template Variable<float> gru_cell(const Variable<float>&, const Variable<float>&, const Variable<float>&);
template Variable<double> gru_cell(const Variable<double>&, const Variable<double>&, const Variable<double>&);

}  // namespace xgrad::autograd
