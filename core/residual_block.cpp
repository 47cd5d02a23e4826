#include "xgrad/core/residual_block.hpp"

#include <type_traits>

#include "xgrad/core/detail/conv_path.hpp"
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/residual_dnnl.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::core {
namespace {

const Conv2dParams kPad1{{1, 1}, {1, 1}, {1, 1}};

// x's shape as NCHW (N, C, H, W), whichever layout the stem reads it in.
template <class T>
Shape nchw(const Tensor<T>& x, const ResidualStem<T>& stem) {
  if (!stem.rows_in || x.dim() != 4) return x.shape();
  return {x.size(0), x.size(3), x.size(1), x.size(2)};
}

// The stem's input shape (NCHW): x's, or the head's output's.
template <class T>
Shape stem_input(const Tensor<T>& x, const ResidualStem<T>& stem) {
  if (!stem.has_head()) return nchw(x, stem);
  const Tensor<T>& w = *stem.head_w;
  if (!stem.defined() || stem.rows_in || x.dim() != 4 || w.dim() != 4 || x.size(1) != w.size(1) || !stem.head_b ||
      stem.head_b->shape() != Shape{w.size(0)})
    detail::fail("residual_stack: the head's weight {} and bias {} do not fit its input {} (a head needs a stem and "
                 "NCHW input)",
                 w.shape(), stem.head_b ? stem.head_b->shape() : Shape{}, x.shape());
  const auto [oh, ow] = conv2d_output_size(x.size(2), x.size(3), w.size(2), w.size(3), stem.head_p);
  return {x.size(0), w.size(0), oh, ow};
}

// The blocks' input shape: x's, or the stem's output's.
template <class T>
Shape block_input(const Tensor<T>& x, const ResidualStem<T>& stem) {
  if (stem.rows_in && !stem.defined()) detail::fail("residual_stack: rows in (NHWC) need a stem");
  if (!stem.defined()) return x.shape();
  const Tensor<T>& w = *stem.w;
  const Shape xs = stem_input(x, stem);
  if (xs.rank() != 4 || w.dim() != 4 || xs[1] != w.size(1) || !stem.b || stem.b->shape() != Shape{w.size(0)})
    detail::fail("residual_stack: the stem's weight {} and bias {} do not fit its input {}", w.shape(),
                 stem.b ? stem.b->shape() : Shape{}, x.shape());
  const auto [oh, ow] = conv2d_output_size(xs[2], xs[3], w.size(2), w.size(3), stem.p);
  return {xs[0], w.size(0), oh, ow};
}

// The output shape (NCHW) of a conv_transpose2d stage (the tail, the last deconvolution) from
// its input shape `in`; `valid` adds the stage's own precondition to the weight/bias check.
template <class T>
Shape deconv_output(const Shape& in, const Tensor<T>& w, const Tensor<T>* b, const Conv2dParams& p,
                    const std::array<Index, 2>& output_padding, bool valid, const char* what) {
  if (!valid || !b || w.dim() != 4 || b->shape() != Shape{w.size(1)})
    detail::fail("residual_stack: {}'s weight {} and bias {} are not conv_transpose2d's (in, out, kh, kw) and (out)", what,
                 w.shape(), b ? b->shape() : Shape{});
  const detail::ConvShape c = detail::conv_transpose2d_shape(in, w.shape(), p, output_padding);
  return {c.n, c.g.c, c.g.h, c.g.w};
}

// The tail's output shape (NCHW) from the stack's output shape `in`.
template <class T>
Shape tail_output(const Shape& in, const ResidualStem<T>& stem) {
  return deconv_output(in, *stem.tail_w, stem.tail_b, stem.tail_p, stem.tail_output_padding, true, "the tail");
}

// The last deconvolution's output shape (NCHW) from the tail's output shape `t`.
template <class T>
Shape last_output(const Shape& t, const ResidualStem<T>& stem) {
  return deconv_output(t, *stem.last_w, stem.last_b, stem.last_p, stem.last_output_padding, stem.has_tail(),
                       "the last deconvolution (after a tail)");
}

// The stack's output shape as the caller holds it: the last's, the tail's, NHWC rows, or the blocks'.
template <class T>
Shape output_shape(const Shape& in, const ResidualStem<T>& stem, bool channels_last) {
  if (stem.has_last()) return last_output(stem.has_tail() ? tail_output(in, stem) : in, stem);  // no tail: an error
  if (stem.has_tail()) return tail_output(in, stem);
  return channels_last ? Shape{in[0], in[2], in[3], in[1]} : in;
}

template <class T>
detail::ResidualShape check(const Shape& in, const std::vector<ResidualWeights<T>>& blocks) {
  const Index c = in.rank() == 4 ? in[1] : -1;
  const Index k = blocks.empty() || blocks[0].w3->dim() != 4 ? -1 : blocks[0].w3->size(0);
  for (const ResidualWeights<T>& b : blocks)
    if (c < 0 || k < 0 || b.w3->shape() != Shape{k, c, 3, 3} || b.b3->shape() != Shape{k} ||
        b.w1->shape() != Shape{c, k, 1, 1} || b.b1->shape() != Shape{c})
      detail::fail("residual_stack: input {} needs w3 (K, C, 3, 3), b3 (K), w1 (C, K, 1, 1), b1 (C) in every block; "
                   "got {}, {}, {}, {}",
                   in, b.w3->shape(), b.b3->shape(), b.w1->shape(), b.b1->shape());
  if (blocks.empty()) detail::fail("residual_stack: no blocks");
  return {in[0], c, k, in[2], in[3]};
}

// The bias gradient of a convolution: gy summed over images, then over each plane.
template <class T>
Tensor<T> bias_grad(const Tensor<T>& gy) {
  return sum(sum(gy, {0}), {1, 2});
}

std::vector<detail::ResidualPointers> pointers(const std::vector<ResidualWeights<float>>& blocks) {
  std::vector<detail::ResidualPointers> p;
  for (const auto& b : blocks) p.push_back({b.w3->data(), b.b3->data(), b.w1->data(), b.b1->data()});
  return p;
}

// The shape of a stem oneDNN may run with the blocks (none unless undilated).
detail::ResidualStemShape stem_shape(const Tensor<float>& x, const ResidualStem<float>& stem) {
  if (!stem.defined() || stem.p.dilation != std::array<Index, 2>{1, 1}) return {};
  const Tensor<float>& w = *stem.w;
  const Shape xs = stem_input(x, stem);
  return {xs[1],           xs[2],           xs[3],           w.size(2), w.size(3), stem.p.stride[0],
          stem.p.stride[1], stem.p.padding[0], stem.p.padding[1], stem.rows_in};
}

// The shape of a head oneDNN may run with the stem (none unless undilated).
detail::ResidualHeadShape head_shape(const Tensor<float>& x, const ResidualStem<float>& stem) {
  if (!stem.has_head() || stem.head_p.dilation != std::array<Index, 2>{1, 1}) return {};
  const Tensor<float>& w = *stem.head_w;
  const Conv2dParams& p = stem.head_p;
  return {x.size(1), x.size(2), x.size(3), w.size(2), w.size(3), p.stride[0], p.stride[1], p.padding[0], p.padding[1]};
}

// The shape of a tail oneDNN may run with the blocks (none unless undilated, after the
// stack's relu, into NCHW, with channels it blocks by 16).
detail::ResidualTailShape tail_shape(const Shape& in, const ResidualStem<float>& stem, bool relu_after,
                                     bool channels_last) {
  if (!stem.has_tail() || !relu_after || channels_last || stem.tail_p.dilation != std::array<Index, 2>{1, 1}) return {};
  const Shape t = tail_output(in, stem);
  const Tensor<float>& w = *stem.tail_w;
  const Conv2dParams& p = stem.tail_p;
  if (t[1] % 16 != 0) return {};
  return {t[1], t[2], t[3], w.size(2), w.size(3), p.stride[0], p.stride[1], p.padding[0], p.padding[1]};
}

// The shape of a last deconvolution oneDNN may run with a fused tail (none unless undilated).
detail::ResidualLastShape last_shape(const Shape& in, const ResidualStem<float>& stem,
                                     const detail::ResidualTailShape& t) {
  if (!stem.has_last() || t.c == 0 || stem.last_p.dilation != std::array<Index, 2>{1, 1}) return {};
  const Shape l = last_output(Shape{in[0], t.c, t.h, t.w}, stem);
  const Tensor<float>& w = *stem.last_w;
  const Conv2dParams& p = stem.last_p;
  return {l[1], l[2], l[3], w.size(2), w.size(3), p.stride[0], p.stride[1], p.padding[0], p.padding[1]};
}

// The float stack on oneDNN from `in` (the stem's input when s has a stem), or false.
bool run_dnnl(const Tensor<float>& in, const ResidualStem<float>& stem,
              const std::vector<ResidualWeights<float>>& blocks, bool relu_after, const detail::ResidualShape& s,
              ResidualStackOutput<float>& out) {
  const Shape shape{s.n, s.c, s.h, s.w}, tail{s.n, s.tail.c, s.tail.h, s.tail.w};
  out.y = Tensor<float>(s.tail.c > 0 ? tail : s.channels_last ? Shape{s.n, s.h, s.w, s.c} : shape);
  std::vector<float*> activations, hidden;
  for (std::size_t b = 0; b < blocks.size() + (relu_after ? 1 : 0); ++b)
    activations.push_back(out.activations.emplace_back(shape).data());
  for (std::size_t b = 0; b < blocks.size(); ++b)
    hidden.push_back(out.hidden.emplace_back(Shape{s.n, s.k, s.h, s.w}).data());
  detail::StemPointers sp;
  if (s.stem.c > 0) {
    out.stem_input = Tensor<float>(Shape{s.n, s.stem.c, s.stem.h, s.stem.w});  // NCHW's size, blocked
    sp = {stem.w->data(), stem.b->data(), out.stem_input.data()};
    if (s.head.c > 0) sp.head_w = stem.head_w->data(), sp.head_b = stem.head_b->data();
  }
  if (s.tail.c > 0) {
    out.tail_out = Tensor<float>(tail);  // NCHW's size, blocked
    sp.tail_w = stem.tail_w->data(), sp.tail_b = stem.tail_b->data(), sp.tail_out = out.tail_out.data();
  }
  if (!detail::dnnl_residual_stack(in.data(), sp, pointers(blocks), relu_after, out.y.data(), activations, hidden, s)) {
    out = {};
    return false;
  }
  out.blocked = true, out.stem_fused = s.stem.c > 0, out.channels_last = s.channels_last, out.head_fused = s.head.c > 0;
  out.tail_fused = s.tail.c > 0;
  detail::count_dnnl_passes(detail::ConvPass::forward,
                            2 * blocks.size() + (out.stem_fused ? 1 : 0) + (out.head_fused ? 1 : 0));
  if (out.tail_fused) detail::count_dnnl_passes(detail::ConvPass::input_grad, 1);  // the tail's forward
  return true;
}

// The stem fused when oneDNN runs it, else conv2d's, then the blocks on oneDNN; false when
// oneDNN does not run the blocks.
bool dnnl_forward(const Tensor<float>& x, const ResidualStem<float>& stem,
                  const std::vector<ResidualWeights<float>>& blocks, bool relu_after, detail::ResidualShape s,
                  ResidualStackOutput<float>& out) {
  s.stem = stem_shape(x, stem), s.head = head_shape(x, stem);
  if (s.stem.c > 0 && s.head.c == (stem.has_head() ? x.size(1) : 0) && run_dnnl(x, stem, blocks, relu_after, s, out))
    return true;
  if (stem.rows_in || stem.has_head()) return false;  // the caller permutes x to NCHW (or runs the head) and comes back
  s.stem = {};
  if (!stem.defined()) return run_dnnl(x, stem, blocks, relu_after, s, out);
  return run_dnnl(conv2d(x, *stem.w, *stem.b, stem.p), stem, blocks, relu_after, s, out);
}

// Fills g.x (the gradient of the stem's input when the stem was fused, else of the blocks')
// and the blocks' (and fused stem's) gradients.
void dnnl_backward(const Tensor<float>& gy, const Tensor<float>& x, const ResidualStem<float>& stem,
                   const std::vector<ResidualWeights<float>>& blocks, bool relu_after,
                   const ResidualStackOutput<float>& out, const Shape& in, bool x_grad, ResidualStackGrads<float>& g) {
  detail::ResidualShape s{in[0], in[1], blocks[0].w3->size(0), in[2], in[3]};
  s.channels_last = out.channels_last;
  detail::StemPointers sp;
  if (out.stem_fused) {
    s.stem = stem_shape(x, stem), sp = {stem.w->data(), stem.b->data(), const_cast<float*>(out.stem_input.data())};
    g.stem = {Tensor<float>(stem.w->shape()), Tensor<float>(stem.b->shape())};
  }
  if (out.head_fused) {
    s.head = head_shape(x, stem), sp.head_w = stem.head_w->data(), sp.head_b = stem.head_b->data();
    g.head = {Tensor<float>(stem.head_w->shape()), Tensor<float>(stem.head_b->shape())};
  }
  if (out.tail_fused) {
    s.tail = tail_shape(in, stem, relu_after, out.channels_last), sp.tail_w = stem.tail_w->data();
    sp.tail_b = stem.tail_b->data(), sp.tail_out = const_cast<float*>(out.tail_out.data());
    g.tail = {Tensor<float>(stem.tail_w->shape()), Tensor<float>(stem.tail_b->shape())};
  }
  if (out.last_fused) {
    s.last = last_shape(in, stem, s.tail), sp.last_w = stem.last_w->data();
    g.last = {Tensor<float>(stem.last_w->shape()), Tensor<float>(stem.last_b->shape())};
  }
  // With a head, g.x first gets the gradient of its convolution's output (NCHW), which
  // conv2d's input gradient takes to x's below.
  if (out.head_fused && x_grad) g.x = Tensor<float>(Shape{in[0], s.stem.c, s.stem.h, s.stem.w});
  if (!out.head_fused) g.x = Tensor<float>(out.stem_fused ? x.shape() : in);
  std::vector<const float*> activations, hidden;
  for (const Tensor<float>& a : out.activations) activations.push_back(a.data());
  std::vector<std::array<float*, 4>> grads;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    hidden.push_back(out.hidden[b].data());
    auto& w = g.blocks.emplace_back(std::array<Tensor<float>, 4>{
        Tensor<float>(blocks[b].w3->shape()), Tensor<float>(blocks[b].b3->shape()),
        Tensor<float>(blocks[b].w1->shape()), Tensor<float>(blocks[b].b1->shape())});
    grads.push_back({w[0].data(), w[1].data(), w[2].data(), w[3].data()});
  }
  const std::array<float*, 8> stem_grads{g.stem[0].data(), g.stem[1].data(), g.head[0].data(), g.head[1].data(),
                                         g.tail[0].data(), g.tail[1].data(), g.last[0].data(), g.last[1].data()};
  if (!detail::dnnl_residual_stack_backward(gy.data(), x.data(), sp, pointers(blocks), relu_after, activations, hidden,
                                            g.x.defined() ? g.x.data() : nullptr, grads, stem_grads, s))
    detail::fail("residual_stack_backward: oneDNN ran the forward pass of {} but not its backward", x.shape());
  const std::uint64_t passes = 2 * blocks.size() + (out.stem_fused ? 1 : 0);
  detail::count_dnnl_passes(detail::ConvPass::input_grad, passes);
  detail::count_dnnl_passes(detail::ConvPass::weight_grad,
                            passes + (out.head_fused ? 1 : 0) + (out.tail_fused ? 1 : 0));
  if (out.tail_fused) detail::count_dnnl_passes(detail::ConvPass::forward, 1);  // the tail's input gradient
  if (out.last_fused) {  // the last's input gradient (a forward) and weight gradient
    detail::count_dnnl_passes(detail::ConvPass::forward, 1);
    detail::count_dnnl_passes(detail::ConvPass::weight_grad, 1);
  }
  if (g.x.defined() && out.head_fused) g.x = conv2d_backward_input(g.x, *stem.head_w, x.shape(), stem.head_p);
}

// The blocks' backward by core's kernels: g.x becomes the gradient of the blocks' input.
template <class T>
void composed_backward(const Tensor<T>& gy, const std::vector<ResidualWeights<T>>& blocks, bool relu_after,
                       const ResidualStackOutput<T>& out, ResidualStackGrads<T>& g) {
  // Block b: y = in + conv1(h) + b1, h = relu(conv3(a) + b3), a = relu(in).
  Tensor<T> gb(gy);
  if (relu_after) relu_backward_(gb, out.activations.back());
  g.blocks.resize(blocks.size());
  for (std::size_t b = blocks.size(); b-- > 0;) {
    const Tensor<T>& a = out.activations[b];
    ConvGrads<T> g1 = conv2d_backward(gb, out.hidden[b], *blocks[b].w1, Conv2dParams{}, true, true);
    relu_backward_(g1.x, out.hidden[b]);
    ConvGrads<T> g3 = conv2d_backward(g1.x, a, *blocks[b].w3, kPad1, true, true);
    relu_backward_(g3.x, a);
    g.blocks[b] = {std::move(g3.w), bias_grad(g1.x), std::move(g1.w), bias_grad(gb)};
    add_(g3.x, gb);
    gb = std::move(g3.x);
  }
  g.x = std::move(gb);
}

}  // namespace

namespace {

// The tail apart: the stack without it, then relu(conv_transpose2d(y)), keeping the
// stack's output (the tail's weight gradient) and a copy of the tail's (relu's mask).
template <class T>
ResidualStackOutput<T> composed_tail(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& blocks, bool relu_after,
                                     const ResidualStem<T>& stem) {
  ResidualStem<T> apart = stem;
  apart.tail_w = apart.tail_b = apart.last_w = apart.last_b = nullptr;
  ResidualStackOutput<T> out = residual_stack(x, blocks, relu_after, apart, false);
  Tensor<T> y = relu(conv_transpose2d(out.y, *stem.tail_w, *stem.tail_b, stem.tail_p, stem.tail_output_padding));
  out.tail_in = std::move(out.y);
  out.tail_out = y;
  out.y = std::move(y);
  return out;
}

// The last deconvolution apart: the stack and tail (fused when they can be), then
// conv_transpose2d, keeping the tail's output (the last's weight gradient).
template <class T>
ResidualStackOutput<T> composed_last(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& blocks,
                                     bool relu_after, const ResidualStem<T>& stem) {
  ResidualStem<T> apart = stem;
  apart.last_w = apart.last_b = nullptr;
  ResidualStackOutput<T> out = residual_stack(x, blocks, relu_after, apart, false);
  Tensor<T> y = conv_transpose2d(out.y, *stem.last_w, *stem.last_b, stem.last_p, stem.last_output_padding);
  out.last_in = std::move(out.y);
  out.y = std::move(y);
  return out;
}

}  // namespace

template <class T>
ResidualStackOutput<T> residual_stack(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& blocks,
                                      bool relu_after, const ResidualStem<T>& stem, bool channels_last) {
  [[maybe_unused]] detail::ResidualShape s = check(block_input(x, stem), blocks);
  s.channels_last = channels_last;
  if (stem.has_tail() && channels_last) detail::fail("residual_stack: a tail's output is NCHW, not channels last");
  if (stem.has_last()) output_shape(block_input(x, stem), stem, false);  // checks the last's weights
  ResidualStackOutput<T> out;
  if constexpr (std::is_same_v<T, float>) {
    s.tail = tail_shape(block_input(x, stem), stem, relu_after, channels_last);
    s.last = last_shape(block_input(x, stem), stem, s.tail);
    if ((!stem.has_tail() || s.tail.c > 0) && (!stem.has_last() || s.last.c > 0) &&
        dnnl_forward(x, stem, blocks, relu_after, s, out)) {
      if (stem.has_last()) {  // y is the tail's NCHW output: the last's forward by core's kernel, then it goes
        out.y = conv_transpose2d(out.y, *stem.last_w, *stem.last_b, stem.last_p, stem.last_output_padding);
        out.last_fused = true;
      }
      return out;  // moved: a copy is every activation
    }
  }
  if (stem.has_last()) return composed_last(x, blocks, relu_after, stem);
  if (stem.has_tail()) return composed_tail(x, blocks, relu_after, stem);
  out.channels_last = channels_last;
  if (stem.has_head()) {  // not fused: the head by conv2d and relu, then the stack from its output
    ResidualStem<T> apart = stem;
    apart.head_w = apart.head_b = nullptr;
    Tensor<T> h = relu(conv2d(x, *stem.head_w, *stem.head_b, stem.head_p));
    out = residual_stack(h, blocks, relu_after, apart, channels_last);
    out.head_out = std::move(h);
    return out;
  }
  if (stem.rows_in) {  // not fused: x to NCHW; the backward does the same, and gx back
    ResidualStem<T> apart = stem;
    apart.rows_in = false;
    return residual_stack(permute(x, {0, 3, 1, 2}), blocks, relu_after, apart, channels_last);
  }
  Tensor<T> y = stem.defined() ? conv2d(x, *stem.w, *stem.b, stem.p) : x;
  for (const ResidualWeights<T>& b : blocks) {
    const Tensor<T>& a = out.activations.emplace_back(relu(y));
    Tensor<T>& h = out.hidden.emplace_back(conv2d(a, *b.w3, *b.b3, kPad1));
    relu_(h);
    Tensor<T> r = conv2d(h, *b.w1, *b.b1, Conv2dParams{});
    add_(r, y);
    y = std::move(r);
  }
  if (relu_after) out.activations.push_back(relu(y));
  out.y = relu_after ? out.activations.back() : std::move(y);
  if (channels_last) out.y = permute(out.y, {0, 2, 3, 1});
  return out;
}

template <class T>
ResidualStackGrads<T> residual_stack_backward(const Tensor<T>& gy, const Tensor<T>& x,
                                              const std::vector<ResidualWeights<T>>& blocks, bool relu_after,
                                              const ResidualStackOutput<T>& out, const ResidualStem<T>& stem,
                                              bool x_grad) {
  const Shape in = block_input(x, stem);
  const Shape y_shape = output_shape(in, stem, out.channels_last);
  if (gy.shape() != y_shape)
    detail::fail("residual_stack_backward: gy {} is not the output's shape {}", gy.shape(), y_shape);
  if (stem.has_last() && !out.last_fused) {  // as the forward: the last's gradients, then the rest's
    ResidualStem<T> apart = stem;
    apart.last_w = apart.last_b = nullptr;
    ConvGrads<T> gd = conv_transpose2d_backward(gy, out.last_in, *stem.last_w, stem.last_p, true, true);
    ResidualStackGrads<T> g = residual_stack_backward(gd.x, x, blocks, relu_after, out, apart, x_grad);
    g.last = {std::move(gd.w), bias_grad(gy)};
    return g;
  }
  if (stem.has_tail() && !out.tail_fused) {  // as the forward: the tail's gradients, then the stack's
    ResidualStem<T> apart = stem;
    apart.tail_w = apart.tail_b = nullptr;
    Tensor<T> gt(gy);
    relu_backward_(gt, out.tail_out);
    ConvGrads<T> gd = conv_transpose2d_backward(gt, out.tail_in, *stem.tail_w, stem.tail_p, true, true);
    ResidualStackGrads<T> g = residual_stack_backward(gd.x, x, blocks, relu_after, out, apart, x_grad);
    g.tail = {std::move(gd.w), bias_grad(gt)};
    return g;
  }
  if (stem.has_head() && !out.head_fused) {  // as the forward: the stack from the head's output, then the head
    ResidualStem<T> apart = stem;
    apart.head_w = apart.head_b = nullptr;
    ResidualStackGrads<T> g = residual_stack_backward(gy, out.head_out, blocks, relu_after, out, apart);
    relu_backward_(g.x, out.head_out);
    ConvGrads<T> gh = conv2d_backward(g.x, x, *stem.head_w, stem.head_p, x_grad, true);
    g.head = {std::move(gh.w), bias_grad(g.x)};
    g.x = std::move(gh.x);
    return g;
  }
  if (stem.rows_in && !out.stem_fused) {  // as the forward: through NCHW
    ResidualStem<T> apart = stem;
    apart.rows_in = false;
    ResidualStackGrads<T> g = residual_stack_backward(gy, permute(x, {0, 3, 1, 2}), blocks, relu_after, out, apart);
    g.x = permute(g.x, {0, 2, 3, 1});
    return g;
  }
  ResidualStackGrads<T> g;
  if constexpr (std::is_same_v<T, float>)
    if (out.blocked) dnnl_backward(gy, x, stem, blocks, relu_after, out, in, x_grad, g);
  if (!out.blocked) composed_backward(out.channels_last ? permute(gy, {0, 3, 1, 2}) : gy, blocks, relu_after, out, g);
  if (stem.defined() && !out.stem_fused) {  // conv2d's gradients, as its node gives them
    ConvGrads<T> gs = conv2d_backward(g.x, x, *stem.w, stem.p, true, true);
    g.stem = {std::move(gs.w), bias_grad(g.x)};
    g.x = std::move(gs.x);
  }
  return g;
}

#define XGRAD_INSTANTIATE(T)                                                                                    \
  template ResidualStackOutput<T> residual_stack(const Tensor<T>&, const std::vector<ResidualWeights<T>>&,     \
                                                 bool, const ResidualStem<T>&, bool);                           \
  template ResidualStackGrads<T> residual_stack_backward(const Tensor<T>&, const Tensor<T>&,                   \
                                                         const std::vector<ResidualWeights<T>>&, bool,          \
                                                         const ResidualStackOutput<T>&, const ResidualStem<T>&, bool);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
