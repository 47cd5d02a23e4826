#include "xgrad/autograd/ops_linalg.hpp"

#include <vector>

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/residual_block.hpp"

namespace xgrad::autograd {

namespace c = xgrad::core;
using c::Trans;
using detail::record;

namespace {

// y's shape with the length-1 axes matmul leaves out for a 1-D a (rows) or b (columns)
// put back: the shape of the batch of products the gradients are computed from.
Shape product_shape(Shape y, bool a_vector, bool b_vector) {
  std::vector<Index> d(y.begin(), y.end());
  if (a_vector) d.insert(d.end() - (b_vector ? 0 : 1), 1);
  if (b_vector) d.push_back(1);
  return Shape(d);
}

// Adds op(l) @ op(r), summed over the batch entries input i was broadcast to, into its
// gradient: in place by the GEMM when the input is a matrix or more (beta 1 once the
// gradient exists), through a row or column when it is a vector.
template <class T>
void accumulate_product(Node<T>& self, std::size_t i, const Tensor<T>& l, const Tensor<T>& r, Trans tl, Trans tr,
                        const Shape& as_matrix) {
  if (self.input(i).dim() >= 2) {
    Tensor<T>* g = nullptr;
    const T beta = self.grad_buffer(i, g);
    c::gemm_(*g, l, r, tl, tr, T(1), beta);
  } else {
    Tensor<T> g(as_matrix);
    c::gemm_(g, l, r, tl, tr);
    self.accumulate(i, std::move(g).reshape(self.input(i).shape()));
  }
}

// A convolution's bias gradient, gy (N, C, H, W) summed over images and positions:
// over the images first (whole rows of C*H*W added down the batch, SIMD along the row),
// then each (H, W) plane of the small (C, H, W) result. One sum over {0, 2, 3} read gy
// as gathered rows, copying every H*W segment into a buffer first (that memcpy was 2-3 %
// of the VQ-VAE step); planes first then images reduced 8192 rows of 49 (2.7 %, perf);
// this order 1.0 %.
template <class T>
Tensor<T> bias_grad(const Tensor<T>& gy) {
  return c::sum(c::sum(gy, {0}), {1, 2});
}

}  // namespace

template <class T>
Variable<T> matmul(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::matmul, c::matmul(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    // y = a b for each batch entry: da = gy b^T, db = a^T gy, as BLAS flags, never as
    // copies; gemm_ sums them over the entries an operand was broadcast to. A vector is
    // read as the row (a) or column (b) matrix it was in the forward.
    const Tensor<T>& x = self.input(0);
    const Tensor<T>& w = self.input(1);
    const bool a_vector = x.dim() == 1, b_vector = w.dim() == 1;
    Tensor<T> row, column;  // vector inputs as matrices (copies of a vector)
    const Tensor<T>& xm = a_vector ? (row = x.reshape(Shape{1, x.size(0)})) : x;
    const Tensor<T>& wm = b_vector ? (column = w.reshape(Shape{w.size(0), 1})) : w;
    if (a_vector || b_vector) gy = std::move(gy).reshape(product_shape(gy.shape(), a_vector, b_vector));
    if (self.needs_grad(0)) accumulate_product(self, 0, gy, wm, Trans::No, Trans::Yes, xm.shape());
    if (self.needs_grad(1)) accumulate_product(self, 1, xm, gy, Trans::Yes, Trans::No, wm.shape());
  }, a, b);
}

namespace {

// The gradients of y = x w^T + b given gy. Each is added straight into its input's
// buffer by the GEMM (beta = 1 once it exists): a weight used at every step of a
// sequence gathers its gradient without a temporary per step.
template <class T>
void linear_backward(Node<T>& self, const Tensor<T>& gy, bool bias_done = false) {
  Tensor<T>* g = nullptr;
  if (self.needs_grad(0)) {
    const T beta = self.grad_buffer(0, g);
    c::linear_grad_input_(*g, gy, self.input(1), beta);
  }
  if (self.needs_grad(1)) {
    const T beta = self.grad_buffer(1, g);
    c::linear_grad_weight_(*g, gy, self.input(0), beta);
  }
  if (!bias_done && self.num_parents() > 2 && self.needs_grad(2)) {
    const T beta = self.grad_buffer(2, g);
    c::linear_grad_bias_(*g, gy, beta);
  }
}

template <class T, class F>
Variable<T> record_linear(OpId op, Tensor<T>&& y, F&& backward, const Variable<T>& x, const Variable<T>& w,
                          const Variable<T>& b) {
  if (b.defined()) return record(op, std::move(y), std::forward<F>(backward), x, w, b);
  return record(op, std::move(y), std::forward<F>(backward), x, w);
}

}  // namespace

template <class T>
Variable<T> linear(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear(x.value(), w.value(), b.defined() ? b.value() : none);
  return record_linear(OpId::linear, std::move(y), [](Node<T>& self, Tensor<T>& gy) { linear_backward(self, gy); },
                       x, w, b);
}

template <class T>
Variable<T> linear_relu(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear(x.value(), w.value(), b.defined() ? b.value() : none);
  c::relu_(y);
  return record_linear(OpId::linear_relu, std::move(y), [](Node<T>& self, Tensor<T>& gy) {
    c::relu_backward_(gy, self.value);  // gy is this node's own gradient, dropped after this
    linear_backward(self, gy);
  }, x, w, b);
}

template <class T>
Variable<T> linear_gelu(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear(x.value(), w.value(), none);
  // One pass adds the bias and gives the activation and its slope: the backward is then
  // a product, where gelu's backward recomputed erf and exp (GELU forward + backward was
  // ~7 % of the Transformer VAE step), and the pre-activation need not be kept. The
  // bias rides in that pass rather than being copied into y before the GEMM.
  Tensor<T> slope = b.defined() ? c::bias_gelu_and_slope_(y, b.value()) : c::gelu_and_slope_(y);
  return record_linear(OpId::linear_gelu, std::move(y), [slope = std::move(slope)](Node<T>& self, Tensor<T>& gy) {
    // gy is this node's own gradient, dropped after this; the bias gradient's column
    // sums ride in the pass that applies the slope.
    const bool bias = self.num_parents() > 2 && self.needs_grad(2);
    Tensor<T>* gb = nullptr;
    if (bias) {
      const T beta = self.grad_buffer(2, gb);
      c::mul_and_grad_bias_(gy, slope, *gb, beta);
    } else {
      c::mul_(gy, slope);
    }
    linear_backward(self, gy, bias);
  }, x, w, b);
}

namespace {

// linear_backward for y = [x, one_hot(labels)] w^T + b.
template <class T>
void linear_one_hot_backward(Node<T>& self, const Tensor<T>& gy, const core::IndexTensor& labels) {
  Tensor<T>* g = nullptr;
  if (self.needs_grad(0)) {
    const T beta = self.grad_buffer(0, g);
    c::linear_one_hot_grad_input_(*g, gy, self.input(1), beta);
  }
  if (self.needs_grad(1)) {
    const T beta = self.grad_buffer(1, g);
    c::linear_one_hot_grad_weight_(*g, gy, self.input(0), labels, beta);
  }
  if (self.num_parents() > 2 && self.needs_grad(2)) {
    const T beta = self.grad_buffer(2, g);
    c::linear_grad_bias_(*g, gy, beta);
  }
}

}  // namespace

template <class T>
Variable<T> linear_one_hot(const Variable<T>& x, const core::IndexTensor& labels, const Variable<T>& w,
                           const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear_one_hot(x.value(), labels, w.value(), b.defined() ? b.value() : none);
  return record_linear(OpId::linear_one_hot, std::move(y), [labels](Node<T>& self, Tensor<T>& gy) {
    linear_one_hot_backward(self, gy, labels);
  }, x, w, b);
}

template <class T>
Variable<T> linear_one_hot_relu(const Variable<T>& x, const core::IndexTensor& labels, const Variable<T>& w,
                                const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear_one_hot(x.value(), labels, w.value(), b.defined() ? b.value() : none);
  c::relu_(y);
  return record_linear(OpId::linear_one_hot_relu, std::move(y), [labels](Node<T>& self, Tensor<T>& gy) {
    c::relu_backward_(gy, self.value);  // gy is this node's own gradient, dropped after this
    linear_one_hot_backward(self, gy, labels);
  }, x, w, b);
}

template <class T>
Variable<T> linear_residual(const Variable<T>& residual, const Variable<T>& x, const Variable<T>& w,
                            const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear_onto(residual.value(), x.value(), w.value(), b.defined() ? b.value() : none);
  const bool bias = b.defined();
  auto backward = [bias](Node<T>& self, Tensor<T>& gy) {
    linear_backward(self, gy, !bias);  // parents x, w[, b], then the residual
    const std::size_t r = bias ? 3 : 2;
    if (self.needs_grad(r)) self.accumulate_reduced(r, gy, true);  // gy is not read after this
  };
  if (bias) return record(OpId::linear_residual, std::move(y), backward, x, w, b, residual);
  return record(OpId::linear_residual, std::move(y), backward, x, w, residual);
}

template <class T>
Variable<T> conv2d(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b, const core::Conv2dParams& p) {
  const Tensor<T> none;
  Tensor<T> y = c::conv2d(x.value(), w.value(), b.defined() ? b.value() : none, p);
  auto backward = [p](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T>& xv = self.input(0);
    const Tensor<T>& wv = self.input(1);
    c::ConvGrads<T> g = c::conv2d_backward(gy, xv, wv, p, self.needs_grad(0), self.needs_grad(1));
    if (g.x.defined()) self.accumulate(0, std::move(g.x));
    if (g.w.defined()) self.accumulate(1, std::move(g.w));
    if (self.num_parents() > 2 && self.needs_grad(2)) self.accumulate(2, bias_grad(gy));
  };
  if (b.defined()) return record(OpId::conv2d, std::move(y), backward, x, w, b);
  return record(OpId::conv2d, std::move(y), backward, x, w);
}

template <class T>
Variable<T> conv_transpose2d(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b,
                             const core::Conv2dParams& p, std::array<Index, 2> output_padding) {
  const Tensor<T> none;
  Tensor<T> y = c::conv_transpose2d(x.value(), w.value(), b.defined() ? b.value() : none, p, output_padding);
  auto backward = [p](Node<T>& self, Tensor<T>& gy) {
    // y = A_w^T x where A_w is conv2d with weight w (Cin, Cout, kh, kw) read as (O=Cin, C=Cout):
    // dx = A_w gy = conv2d(gy, w); dw = d<x, conv2d(gy, w)>/dw = conv2d_backward_weight(x, gy).
    const Tensor<T>& xv = self.input(0);
    const Tensor<T>& wv = self.input(1);
    c::ConvGrads<T> g = c::conv_transpose2d_backward(gy, xv, wv, p, self.needs_grad(0), self.needs_grad(1));
    if (g.x.defined()) self.accumulate(0, std::move(g.x));
    if (g.w.defined()) self.accumulate(1, std::move(g.w));
    if (self.num_parents() > 2 && self.needs_grad(2)) self.accumulate(2, bias_grad(gy));
  };
  if (b.defined()) return record(OpId::conv_transpose2d, std::move(y), backward, x, w, b);
  return record(OpId::conv_transpose2d, std::move(y), backward, x, w);
}

namespace {

template <class T>
std::vector<c::ResidualWeights<T>> residual_weights(const std::vector<const Tensor<T>*>& params) {
  std::vector<c::ResidualWeights<T>> w;
  for (std::size_t i = 0; i + 3 < params.size(); i += 4)
    w.push_back({params[i], params[i + 1], params[i + 2], params[i + 3]});
  return w;
}

}  // namespace

template <class T>
Variable<T> residual_stack(const Variable<T>& x, const std::vector<Variable<T>>& params, bool relu_after,
                           const std::vector<Variable<T>>& stem, const core::Conv2dParams& stem_params,
                           bool channels_last, bool rows_in, const std::vector<Variable<T>>& head,
                           const core::Conv2dParams& head_params, const std::vector<Variable<T>>& tail,
                           const core::Conv2dParams& tail_params, std::array<Index, 2> tail_output_padding,
                           const std::vector<Variable<T>>& last, const core::Conv2dParams& last_params,
                           std::array<Index, 2> last_output_padding) {
  if (params.empty() || params.size() % 4 != 0 || (!stem.empty() && stem.size() != 2) ||
      (!head.empty() && (head.size() != 2 || stem.empty() || rows_in)) ||
      (!tail.empty() && (tail.size() != 2 || !relu_after || channels_last)) ||
      (!last.empty() && (last.size() != 2 || tail.empty())))
    throw c::ShapeError("residual_stack: params must hold w3, b3, w1, b1 for each block, stem none or w, b, head "
                        "none or w, b (with a stem, not rows in), and tail none or w, b (with relu after, not channels "
                        "last), last none or w, b (with a tail)");
  std::vector<const Variable<T>*> inputs{&x};
  for (const Variable<T>& p : stem) inputs.push_back(&p);
  for (const Variable<T>& p : head) inputs.push_back(&p);
  for (const Variable<T>& p : tail) inputs.push_back(&p);
  for (const Variable<T>& p : last) inputs.push_back(&p);
  std::vector<const Tensor<T>*> values;
  for (const Variable<T>& p : params) values.push_back(&p.value()), inputs.push_back(&p);
  if (rows_in && stem.empty()) throw c::ShapeError("residual_stack: rows in (NHWC) need a stem");
  c::ResidualStem<T> s0;
  if (!stem.empty()) s0 = {&stem[0].value(), &stem[1].value(), stem_params, rows_in};
  if (!head.empty()) s0.head_w = &head[0].value(), s0.head_b = &head[1].value(), s0.head_p = head_params;
  if (!tail.empty()) {
    s0.tail_w = &tail[0].value(), s0.tail_b = &tail[1].value(), s0.tail_p = tail_params;
    s0.tail_output_padding = tail_output_padding;
  }
  if (!last.empty()) {
    s0.last_w = &last[0].value(), s0.last_b = &last[1].value(), s0.last_p = last_params;
    s0.last_output_padding = last_output_padding;
  }
  c::ResidualStackOutput<T> out = c::residual_stack(x.value(), residual_weights(values), relu_after, s0, channels_last);
  Tensor<T> y = std::move(out.y);
  const Shape y_shape = y.shape();  // the layout core's backward takes gy in
  // Channels last, y is handed out as rows (N H W, C), the same memory: a reshape of the
  // node's output would copy it (1.6 MB a VQ-VAE step, on one thread, before its Linear).
  if (channels_last) y = std::move(y).reshape(Shape{y_shape[0] * y_shape[1] * y_shape[2], y_shape[3]});
  // The blocks' activations are kept (in the kernel's own layout); x and the weights are
  // the parents'. Parents: x, the stem's w and b (if any), the head's (if any), the tail's (if
  // any), the last deconvolution's (if any), then the blocks'.
  const std::size_t first = 1 + stem.size() + head.size() + tail.size() + last.size();
  const std::size_t at_tail = 1 + stem.size() + head.size();  // the tail's w, when there is one
  const std::size_t at_last = at_tail + tail.size();          // the last's w, when there is one
  const bool has_head = !head.empty(), has_tail = !tail.empty(), has_last = !last.empty();
  auto backward = [out = std::move(out), relu_after, first, at_tail, at_last, has_head, has_tail, has_last,
                   stem_params, rows_in, head_params, tail_params, tail_output_padding, last_params,
                   last_output_padding, y_shape](Node<T>& self, Tensor<T>& gy) {
    std::vector<const Tensor<T>*> weights;
    for (std::size_t i = first; i < self.num_parents(); ++i) weights.push_back(&self.input(i));
    c::ResidualStem<T> s;
    if (at_tail > 1) s = {&self.input(1), &self.input(2), stem_params, rows_in};
    if (has_head) s.head_w = &self.input(3), s.head_b = &self.input(4), s.head_p = head_params;
    if (has_tail) {
      s.tail_w = &self.input(at_tail), s.tail_b = &self.input(at_tail + 1), s.tail_p = tail_params;
      s.tail_output_padding = tail_output_padding;
    }
    if (has_last) {
      s.last_w = &self.input(at_last), s.last_b = &self.input(at_last + 1), s.last_p = last_params;
      s.last_output_padding = last_output_padding;
    }
    c::ResidualStackGrads<T> g =
        c::residual_stack_backward(std::move(gy).reshape(y_shape), self.input(0), residual_weights(weights), relu_after,
                                   out, s, self.needs_grad(0));
    if (self.needs_grad(0)) self.accumulate(0, std::move(g.x));
    for (std::size_t i = 1; i < first; ++i)
      if (self.needs_grad(i))
        self.accumulate(i, std::move(i >= at_last  ? g.last[i - at_last]
                                     : i >= at_tail ? g.tail[i - at_tail]
                                     : i < 3        ? g.stem[i - 1]
                                                    : g.head[i - 3]));
    for (std::size_t i = first; i < self.num_parents(); ++i)
      if (self.needs_grad(i)) self.accumulate(i, std::move(g.blocks[(i - first) / 4][(i - first) % 4]));
  };
  // Moved, not copied: the closure holds the activations (a copy was 1.4 % of the VQ-VAE step).
  return detail::record_list(OpId::residual_stack, std::move(y), std::move(backward), inputs);
}

template <class T>
Variable<T> residual_block(const Variable<T>& x, const Variable<T>& w3, const Variable<T>& b3, const Variable<T>& w1,
                           const Variable<T>& b1) {
  return residual_stack(x, {w3, b3, w1, b1}, false);
}

#define XGRAD_INSTANTIATE(T)                                                                                   \
  template Variable<T> matmul(const Variable<T>&, const Variable<T>&);                                         \
  template Variable<T> linear(const Variable<T>&, const Variable<T>&, const Variable<T>&);                     \
  template Variable<T> linear_relu(const Variable<T>&, const Variable<T>&, const Variable<T>&);                \
  template Variable<T> linear_gelu(const Variable<T>&, const Variable<T>&, const Variable<T>&);                \
  template Variable<T> linear_residual(const Variable<T>&, const Variable<T>&, const Variable<T>&,              \
                                       const Variable<T>&);                                                    \
  template Variable<T> linear_one_hot(const Variable<T>&, const core::IndexTensor&, const Variable<T>&,        \
                                      const Variable<T>&);                                                     \
  template Variable<T> linear_one_hot_relu(const Variable<T>&, const core::IndexTensor&, const Variable<T>&,   \
                                           const Variable<T>&);                                                \
  template Variable<T> conv2d(const Variable<T>&, const Variable<T>&, const Variable<T>&,                      \
                              const core::Conv2dParams&);                                                      \
  template Variable<T> conv_transpose2d(const Variable<T>&, const Variable<T>&, const Variable<T>&,            \
                                        const core::Conv2dParams&, std::array<Index, 2>);               \
  template Variable<T> residual_stack(const Variable<T>&, const std::vector<Variable<T>>&, bool,              \
                                      const std::vector<Variable<T>>&, const core::Conv2dParams&, bool, bool,   \
                                      const std::vector<Variable<T>>&, const core::Conv2dParams&,                \
                                      const std::vector<Variable<T>>&, const core::Conv2dParams&,                \
                                      std::array<Index, 2>, const std::vector<Variable<T>>&,                      \
                                      const core::Conv2dParams&, std::array<Index, 2>);                           \
  template Variable<T> residual_block(const Variable<T>&, const Variable<T>&, const Variable<T>&,              \
                                      const Variable<T>&, const Variable<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::autograd
