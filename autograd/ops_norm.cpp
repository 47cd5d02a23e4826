#include "xgrad/autograd/ops_norm.hpp"

#include <fmt/format.h>

#include <vector>

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/layer_norm.hpp"

namespace xgrad::autograd {

namespace {

template <class T>
Index normalized_size(const Variable<T>& x, int axes) {
  if (axes < 1 || axes > x.dim())
    throw core::ShapeError(fmt::format("layer_norm: {} trailing axes of an input {}", axes, x.shape().str()));
  Index n = 1;
  for (int i = x.dim() - axes; i < x.dim(); ++i) n *= x.size(i);
  return n;
}

}  // namespace

template <class T>
Variable<T> layer_norm(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b, double eps, int axes) {
  const Index n = normalized_size(x, axes);
  const Tensor<T> none;
  core::LayerNormStats<T> stats;
  Tensor<T> y = core::layer_norm_forward(x.value(), w.defined() ? w.value() : none, b.defined() ? b.value() : none, n,
                                         static_cast<T>(eps), stats);
  // Inputs in order x, then w and b when defined: their positions in the node.
  std::vector<const Variable<T>*> inputs{&x};
  if (w.defined()) inputs.push_back(&w);
  if (b.defined()) inputs.push_back(&b);
  const std::size_t wi = w.defined() ? 1 : 0, bi = b.defined() ? inputs.size() - 1 : 0;
  return detail::record_list(OpId::layer_norm, std::move(y),
                             [n, wi, bi, stats = std::move(stats)](Node<T>& self, Tensor<T>& gy) {
    Tensor<T>* out[3] = {nullptr, nullptr, nullptr};
    bool add[3] = {false, false, false};
    const std::size_t at[3] = {0, wi, bi};
    for (std::size_t k = 0; k < 3; ++k)
      if ((k == 0 || at[k] != 0) && self.needs_grad(at[k])) add[k] = self.grad_buffer(at[k], out[k]) != T(0);
    const Tensor<T> none;
    core::layer_norm_backward(gy, self.input(0), wi ? self.input(wi) : none, n, stats, out[0], add[0], out[1], add[1],
                              out[2], add[2]);
  }, inputs);
}

template Variable<float> layer_norm(const Variable<float>&, const Variable<float>&, const Variable<float>&, double, int);
template Variable<double> layer_norm(const Variable<double>&, const Variable<double>&, const Variable<double>&, double,
                                     int);

}  // namespace xgrad::autograd
