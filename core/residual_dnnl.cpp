#include "xgrad/core/detail/residual_dnnl.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <vector>

#include "xgrad/core/detail/dnnl_common.hpp"
#include "xgrad/core/detail/residual_plan.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::core::detail {
namespace {

using residual::aligned;
using residual::Args;
using residual::ChunkWeights;
using residual::Chunks;
using residual::Conv;
using residual::memory;
using residual::Plan;
using residual::reorder_into;
using residual::StemWeights;

// Buffers of one slot, in slot_bytes order; a forward slot has x and the scratchpad only.
struct Slot {
  char *x = nullptr, *g = nullptr, *ga = nullptr, *gh = nullptr, *dw3 = nullptr, *dw1 = nullptr, *xs = nullptr,
       *dws = nullptr, *dwh = nullptr, *gt = nullptr, *dwt = nullptr, *dwl = nullptr, *scratchpad = nullptr;
  Slot(const Plan& p, char* at, bool forward) {
    x = at;
    if (forward) {
      scratchpad = x + p.x_bytes;
      return;
    }
    g = x + p.x_bytes, ga = g + p.x_bytes, gh = ga + p.x_bytes, dw3 = gh + p.h_bytes;
    dw1 = dw3 + aligned(p.conv3.dw.inner.get_size());
    xs = dw1 + aligned(p.conv1.dw.inner.get_size());
    dws = xs + p.xs_bytes;
    dwh = dws + p.dw_stem_bytes();
    gt = dwh + p.dw_head_bytes();
    dwt = gt + p.t_bytes;
    dwl = dwt + p.dw_tail_bytes();
    scratchpad = dwl + p.dw_last_bytes();
  }
};

// One chunk as a body sees it: its index, its plan, its slot's buffers, which weights it
// takes (1: those laid out for the last chunk's plan, 0: the others'), its first image,
// and a stream on the calling thread.
struct Chunk {
  Index i;
  const Plan& p;
  Slot b;
  int j;
  Index n0;
  dnnl::engine& e;
  dnnl::stream stream;
};

// Calls body(chunk) for every chunk in parallel, its slot in this thread's buffer of the
// plans' slot_bytes (forward_slot_bytes for a forward pass), allocated before the loop.
template <class Body>
void for_each_chunk(const Chunks& c, bool forward, Body&& body) {
  const auto slot_bytes = [&](const Plan& p) { return forward ? p.forward_slot_bytes() : p.slot_bytes(); };
  const std::size_t bytes = aligned(std::max(slot_bytes(*c.full), slot_bytes(*c.last)));
  const Index floats = static_cast<Index>(bytes / sizeof(float));
  Tensor<float> slots(Shape{thread_slots(), floats});
  parallel_for(0, c.count, 1, [&](Index lo, Index hi) {
    const OneOpenMpThread one;
    char* slot = reinterpret_cast<char*>(slots.data() + thread_slot() * floats);
    for (Index i = lo; i < hi; ++i) {
      const Plan& p = c.plan(i);
      Chunk chunk{i, p, Slot(p, slot, forward), i + 1 == c.count, i * c.per, cpu_engine(), dnnl::stream(cpu_engine())};
      body(chunk);
    }
  });
}

// Runs a kernel on one thread's stream, its scratchpad (described by `pad`) at `at`.
void run(const dnnl::primitive& kernel, dnnl::stream& stream, Args args, const memory::desc& pad, char* at) {
  if (pad.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = memory(pad, cpu_engine(), at);
  kernel.execute(stream, args);
}

float* floats(char* at) { return reinterpret_cast<float*>(at); }

void relu_into(float* to, const float* from, std::size_t bytes) {
  const std::size_t n = bytes / sizeof(float);
  for (std::size_t i = 0; i < n; ++i) to[i] = from[i] < 0.f ? 0.f : from[i];  // NaN stays NaN, as relu
}

// g = relu's gradient at `out` (> 0) applied to g, in place.
void mask_by(float* g, const float* out, std::size_t bytes) {
  const std::size_t n = bytes / sizeof(float);
  for (std::size_t i = 0; i < n; ++i) g[i] = out[i] > 0.f ? g[i] : 0.f;
}

// The tail's bias and relu on its blocked output t (nChw16c, dims d), in place: the sum
// conv_transpose2d makes (the kernel's value + b), then relu, as the ops composed.
void bias_relu(float* t, const float* b, const memory::dims& d) {
  const Index n = d[0], blocks = d[1] / 16, plane = d[2] * d[3];
  for (Index i = 0; i < n; ++i)
    for (Index cb = 0; cb < blocks; ++cb) {
      float* p = t + (i * blocks + cb) * plane * 16;
      float bb[16];  // a local copy: b might alias t for the compiler, which would reload it every time
      std::copy(b + cb * 16, b + cb * 16 + 16, bb);
      for (Index q = 0; q < plane; ++q)
        for (int l = 0; l < 16; ++l) {
          const float v = p[q * 16 + l] + bb[l];
          p[q * 16 + l] = v < 0.f ? 0.f : v;
        }
    }
}

// One chunk's forward pass through one block: the running sum in b.x (blocked) gets the
// block's output added in place (a sum post-op); the block's relu(input) and hidden
// activation are written to `a` and `hidden`, kept for the backward.
struct ForwardChunk {
  const Plan& p;
  const Slot& b;
  dnnl::stream& stream;
  void block(float* a, float* hidden, const ChunkWeights& w, int j, const ResidualPointers& ptr) const {
    auto& e = cpu_engine();
    memory ab(p.x_blocked, e, a), hb(p.h_blocked, e, hidden), xb(p.x_blocked, e, b.x);
    relu_into(a, floats(b.x), p.x_blocked.get_size());
    run(p.conv3.forward, stream,
        {{DNNL_ARG_SRC, ab}, {DNNL_ARG_WEIGHTS, w.w3[j]}, {DNNL_ARG_BIAS, memory(p.b3, e, const_cast<float*>(ptr.b3))},
         {DNNL_ARG_DST, hb}},
        p.conv3.pad_forward, b.scratchpad);
    run(p.conv1.forward, stream,  // the sum post-op adds the block's input, already in xb
        {{DNNL_ARG_SRC, hb}, {DNNL_ARG_WEIGHTS, w.w1[j]}, {DNNL_ARG_BIAS, memory(p.b1, e, const_cast<float*>(ptr.b1))},
         {DNNL_ARG_DST, xb}},
        p.conv1.pad_forward, b.scratchpad);
    stream.wait();
  }
};

}  // namespace

bool dnnl_residual_stack(const float* x, const StemPointers& stem, const std::vector<ResidualPointers>& blocks,
                         bool relu_after, float* y, const std::vector<float*>& activations,
                         const std::vector<float*>& hidden, const ResidualShape& s) {
  const auto c = residual::chunks(s);
  if (!c) return false;
  const std::vector<ChunkWeights> w = residual::chunk_weights(*c, blocks, true);
  const StemWeights ws(*c, stem.w, true), wh(*c, stem.head_w, true, &Plan::head);
  const StemWeights wt(*c, stem.tail_w, false, &Plan::tail);  // its forward is an input gradient
  const Index x_image = s.c * s.h * s.w, h_image = s.k * s.h * s.w, xs_image = s.stem.c * s.stem.h * s.stem.w;
  const Index xh_image = s.head.c * s.head.h * s.head.w, t_image = s.tail.c * s.tail.h * s.tail.w;
  for_each_chunk(*c, true, [&](Chunk& chunk) {
    auto& [i, p, b, j, n0, e, stream] = chunk;
    const ForwardChunk f{p, b, stream};
    memory xb(p.x_blocked, e, b.x);
    if (p.has_stem) {  // its output goes straight into the running sum, blocked
      memory xsb(p.xs_blocked, e, stem.x_blocked + n0 * xs_image);
      if (p.has_head) {  // relu(head(x)) written blocked: the stem's input, kept for the backward
        memory bias(p.bh, e, const_cast<float*>(stem.head_b));
        run(p.head.forward, stream,
            {{DNNL_ARG_SRC, memory(p.xh_user, e, const_cast<float*>(x) + n0 * xh_image)},
             {DNNL_ARG_WEIGHTS, wh.w[j]}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, xsb}},
            p.head.pad_forward, b.scratchpad);
      } else {
        reorder_into(p.xs_in, stream, memory(p.xs_user, e, const_cast<float*>(x) + n0 * xs_image), xsb);
      }
      memory bias(p.b1, e, const_cast<float*>(stem.b));
      run(p.stem.forward, stream,
          {{DNNL_ARG_SRC, xsb}, {DNNL_ARG_WEIGHTS, ws.w[j]}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, xb}},
          p.stem.pad_forward, b.scratchpad);
    } else {
      reorder_into(p.x_in, stream, memory(p.x_user, e, const_cast<float*>(x) + n0 * x_image), xb);
    }
    stream.wait();
    for (std::size_t k = 0; k < blocks.size(); ++k)
      f.block(activations[k] + n0 * x_image, hidden[k] + n0 * h_image, w[k], j, blocks[k]);
    if (relu_after) {
      float* last = activations.back() + n0 * x_image;
      relu_into(last, floats(b.x), p.x_blocked.get_size());
      xb = memory(p.x_blocked, e, last);
    }
    if (p.has_tail) {  // relu(tail(xb)) into its kept blocked output, and only that to y
      float* t = stem.tail_out + n0 * t_image;
      memory tb(p.t_blocked, e, t);
      run(p.tail.backward_data, stream, {{DNNL_ARG_DIFF_DST, xb}, {DNNL_ARG_WEIGHTS, wt.w[j]}, {DNNL_ARG_DIFF_SRC, tb}},
          p.tail.pad_backward_data, b.scratchpad);
      stream.wait();
      bias_relu(t, stem.tail_b, p.t_blocked.dims());
      reorder_into(p.t_out, stream, tb, memory(p.t_user, e, y + n0 * t_image));
    } else {
      reorder_into(p.y_out, stream, xb, memory(p.y_user, e, y + n0 * x_image));
    }
    stream.wait();
  });
  return true;
}

namespace {

std::atomic<bool> forced_oihw_sum{false};
std::atomic<std::uint64_t> oihw_sums{0};

// Each chunk's weight and bias gradients in its own slice ([gw3 | gb3 | gw1 | gb1] per block,
// then the stem's [gw | gb]), added in chunk order at the end: the same bits on any number
// of threads. The weights stay in the layout the weight-gradient kernels write (`inner`) and
// go to OIHW once, after the sum, rather than once a chunk (10 small reorders a chunk in
// BM_VqVaeStep); the sum is elementwise, so the bits are those of summing in OIHW. Only
// when the last chunk's kernels chose other layouts than the full ones' (or a test forces
// it: force_residual_oihw_sum) is each chunk's gradient reordered to OIHW first (inner = false).
struct GradSlices {
  bool inner;
  // ns, nh, nt, nl: the stem's, head's, tail's, last's weight (0 without); hc, tc, lc: their biases
  Index n3, k, n1, c, size, blocks, ns, nh, hc, nt, tc, nl, lc, row;
  Tensor<float> partial;
  GradSlices(const Chunks& ch, const ResidualShape& s, Index blocks)
      : inner(!forced_oihw_sum.load() && same_weight_layouts(ch)), n3(floats_of(ch.full->conv3, s.k * s.c * 9)), k(s.k),
        n1(floats_of(ch.full->conv1, s.c * s.k)), c(s.c), size(n3 + k + n1 + c), blocks(blocks),
        ns(ch.full->has_stem ? floats_of(ch.full->stem, s.c * s.stem.c * s.stem.kh * s.stem.kw) : 0),
        nh(ch.full->has_head ? floats_of(ch.full->head, s.stem.c * s.head.c * s.head.kh * s.head.kw) : 0),
        hc(nh > 0 ? s.stem.c : 0),
        nt(ch.full->has_tail ? floats_of(ch.full->tail, s.c * s.tail.c * s.tail.kh * s.tail.kw) : 0),
        tc(nt > 0 ? s.tail.c : 0),
        nl(ch.full->has_last ? floats_of(ch.full->last, s.tail.c * s.last.c * s.last.kh * s.last.kw) : 0),
        lc(nl > 0 ? s.last.c : 0), row(blocks * size + (ns > 0 ? ns + c : 0) + nh + hc + nt + tc + nl + lc),
        partial(Shape{ch.count, row}) {}
  static bool same_weight_layouts(const Chunks& ch) {
    const Plan &f = *ch.full, &l = *ch.last;
    return f.conv3.dw.inner == l.conv3.dw.inner && f.conv1.dw.inner == l.conv1.dw.inner &&
           (!f.has_stem || f.stem.dw.inner == l.stem.dw.inner) && (!f.has_head || f.head.dw.inner == l.head.dw.inner) &&
           (!f.has_tail || f.tail.dw.inner == l.tail.dw.inner) && (!f.has_last || f.last.dw.inner == l.last.dw.inner);
  }
  Index floats_of(const Conv& conv, Index oihw) const {
    return inner ? static_cast<Index>(conv.dw.inner.get_size() / sizeof(float)) : oihw;
  }
  float* gw3(Index i, Index b) { return partial.data() + i * row + b * size; }
  float* gb3(Index i, Index b) { return gw3(i, b) + n3; }
  float* gw1(Index i, Index b) { return gb3(i, b) + k; }
  float* gb1(Index i, Index b) { return gw1(i, b) + n1; }
  float* gws(Index i) { return partial.data() + i * row + blocks * size; }
  float* gbs(Index i) { return gws(i) + ns; }
  float* gwh(Index i) { return gbs(i) + (ns > 0 ? c : 0); }
  float* gbh(Index i) { return gwh(i) + nh; }
  float* gwt(Index i) { return gbh(i) + hc; }
  float* gbt(Index i) { return gwt(i) + nt; }
  float* gwl(Index i) { return gbt(i) + tc; }
  float* gbl(Index i) { return gwl(i) + nl; }
  // A summed weight gradient `from` (n floats) into OIHW `to`.
  void weight_out(const Conv& conv, dnnl::stream& stream, float* from, Index n, float* to) const {
    if (!inner) return void(std::copy(from, from + n, to));
    auto& e = cpu_engine();
    reorder_into(conv.dw.to_user, stream, memory(conv.dw.inner, e, from), memory(conv.dw.user, e, to));
  }
  void finish(const Plan& p, const std::vector<std::array<float*, 4>>& grads, const std::array<float*, 8>& stem) {
    float* total = partial.data();
    for (Index i = 1; i < partial.size(0); ++i)
      for (Index j = 0; j < row; ++j) total[j] += partial.data()[i * row + j];
    const OneOpenMpThread one;
    dnnl::stream stream(cpu_engine());
    if (ns > 0) {
      weight_out(p.stem, stream, gws(0), ns, stem[0]);
      std::copy(gbs(0), gbs(0) + c, stem[1]);
    }
    if (nh > 0) {
      weight_out(p.head, stream, gwh(0), nh, stem[2]);
      std::copy(gbh(0), gbh(0) + hc, stem[3]);
    }
    if (nt > 0) {
      weight_out(p.tail, stream, gwt(0), nt, stem[4]);
      std::copy(gbt(0), gbt(0) + tc, stem[5]);
    }
    if (nl > 0) {
      weight_out(p.last, stream, gwl(0), nl, stem[6]);
      std::copy(gbl(0), gbl(0) + lc, stem[7]);
    }
    for (Index b = 0; b < blocks; ++b) {
      weight_out(p.conv3, stream, gw3(0, b), n3, grads[b][0]);
      std::copy(gb3(0, b), gb3(0, b) + k, grads[b][1]);
      weight_out(p.conv1, stream, gw1(0, b), n1, grads[b][2]);
      std::copy(gb1(0, b), gb1(0, b) + c, grads[b][3]);
    }
    stream.wait();
  }
};

// Per-channel sums of an nChw16c tensor `t` of dims d (c a multiple of 16), over images
// then positions, in that fixed order.
void channel_sums(const float* t, const memory::dims& d, float* out) {
  const Index n = d[0], blocks = d[1] / 16, plane = d[2] * d[3];
  std::fill(out, out + d[1], 0.f);
  for (Index i = 0; i < n; ++i)
    for (Index cb = 0; cb < blocks; ++cb) {
      const float* p = t + (i * blocks + cb) * plane * 16;
      float* o = out + cb * 16;
      // The 16 sums in a local array (one register), not through `o`, which might alias t for
      // the compiler: stored and reloaded at every add, this loop was 1.1 % of the VQ-VAE
      // step's samples once the tail's bias used it (perf, 2 threads). Same order, same bits.
      float acc[16];
      std::copy(o, o + 16, acc);
      for (Index q = 0; q < plane; ++q)
        for (int l = 0; l < 16; ++l) acc[l] += p[q * 16 + l];
      std::copy(acc, acc + 16, o);
    }
}

// Per-channel sums of an NCHW tensor `t` of dims d, over images then positions, in that order.
void plain_channel_sums(const float* t, const memory::dims& d, float* out) {
  const Index n = d[0], c = d[1], plane = d[2] * d[3];
  std::fill(out, out + c, 0.f);
  for (Index i = 0; i < n; ++i)
    for (Index ch = 0; ch < c; ++ch) {
      const float* p = t + (i * c + ch) * plane;
      float acc = out[ch];
      for (Index q = 0; q < plane; ++q) acc += p[q];
      out[ch] = acc;
    }
}

// One convolution's weight and bias gradient for a chunk, into its slices: gw in the
// kernel's own layout when `inner` (written there directly), else reordered to OIHW
// through dw_at.
void weight_grads(const Conv& conv, dnnl::stream& stream, const memory& src, const memory& diff_dst,
                  const memory::desc& bias, bool inner, float* gw, float* gb, char* dw_at, char* pad_at) {
  auto& e = cpu_engine();
  memory dw(conv.dw.inner, e, inner ? static_cast<void*>(gw) : dw_at);
  Args args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, dw}};
  if (conv.bias_grad) args[DNNL_ARG_DIFF_BIAS] = memory(bias, e, gb);
  run(conv.backward_weights, stream, std::move(args), conv.pad_backward_weights, pad_at);
  if (!inner) reorder_into(conv.dw.to_user, stream, dw, memory(conv.dw.user, e, gw));
  stream.wait();
  if (!conv.bias_grad && gb)
    channel_sums(static_cast<const float*>(diff_dst.get_data_handle()), diff_dst.get_desc().dims(), gb);
}

// One chunk's backward pass through one block: the output gradient in b.g (blocked) becomes
// the input gradient there; `a` is the block's relu(input) and `hidden` its hidden activation.
struct BackwardChunk {
  const Plan& p;
  const Slot& b;
  dnnl::stream& stream;
  GradSlices& grads;
  Index i;
  void block(Index k, const float* a, const float* hidden, const ChunkWeights& w, int j) const {
    auto& e = cpu_engine();
    const std::size_t x_size = p.x_blocked.get_size();
    memory g(p.x_blocked, e, b.g), ab(p.x_blocked, e, const_cast<float*>(a)), ga(p.x_blocked, e, b.ga);
    memory gh(p.h_blocked, e, b.gh);
    memory hb(p.h_blocked, e, const_cast<float*>(hidden));
    weight_grads(p.conv1, stream, hb, g, p.b1, grads.inner, grads.gw1(i, k), grads.gb1(i, k), b.dw1, b.scratchpad);
    run(p.conv1.backward_data, stream, {{DNNL_ARG_DIFF_DST, g}, {DNNL_ARG_WEIGHTS, w.w1[j]}, {DNNL_ARG_DIFF_SRC, gh}},
        p.conv1.pad_backward_data, b.scratchpad);
    stream.wait();
    mask_by(floats(b.gh), hidden, p.h_blocked.get_size());
    weight_grads(p.conv3, stream, ab, gh, p.b3, grads.inner, grads.gw3(i, k), grads.gb3(i, k), b.dw3, b.scratchpad);
    run(p.conv3.backward_data, stream, {{DNNL_ARG_DIFF_DST, gh}, {DNNL_ARG_WEIGHTS, w.w3[j]}, {DNNL_ARG_DIFF_SRC, ga}},
        p.conv3.pad_backward_data, b.scratchpad);
    stream.wait();
    float* gp = floats(b.g);
    const float* gap = floats(b.ga);
    for (std::size_t q = 0; q < x_size / sizeof(float); ++q) gp[q] += a[q] > 0.f ? gap[q] : 0.f;
  }
};

// The head's part of a chunk's backward: g (blocked, the stem's input gradient) masked
// by its relu'd output `kept`, then its weight and bias gradients from the images x.
void head_backward(const Plan& p, const Slot& b, dnnl::stream& stream, GradSlices& slices, Index i, const memory& g,
                   const memory& kept, const memory& x) {
  mask_by(static_cast<float*>(g.get_data_handle()), static_cast<const float*>(kept.get_data_handle()),
          p.xs_blocked.get_size());
  weight_grads(p.head, stream, x, g, p.bh, slices.inner, slices.gwh(i), slices.gbh(i), b.dwh, b.scratchpad);
}

// The last deconvolution's part of a chunk's backward: from its output gradient gy (NCHW,
// read in place) the tail's output gradient into b.gt, blocked (a convolution forward), its
// weight gradient from gy and the tail's kept output, its bias gradient gy's channel sums.
void last_backward(const Plan& p, const Slot& b, dnnl::stream& stream, GradSlices& slices, Index i, const float* gy,
                   const float* kept, const memory& w) {
  auto& e = cpu_engine();
  memory g(p.l_user, e, const_cast<float*>(gy)), gt(p.t_blocked, e, b.gt), t(p.t_blocked, e, const_cast<float*>(kept));
  run(p.last.forward, stream, {{DNNL_ARG_SRC, g}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, gt}}, p.last.pad_forward,
      b.scratchpad);
  stream.wait();
  weight_grads(p.last, stream, g, t, {}, slices.inner, slices.gwl(i), nullptr, b.dwl, b.scratchpad);
  plain_channel_sums(gy, p.l_user.dims(), slices.gbl(i));
}

// The tail's part of a chunk's backward: its output gradient gy (NCHW) in b.gt, blocked
// (or, with a last deconvolution, that gradient already there: gy is null), masked by its
// relu'd output `kept`; its weight gradient from gt and the stack's relu'd
// output `last`, its bias gradient gt's channel sums; then the stack's output gradient,
// the convolution forward of gt, into g.
void tail_backward(const Plan& p, const Slot& b, dnnl::stream& stream, GradSlices& slices, Index i, const float* gy,
                   const float* kept, const memory& last, const memory& w, const memory& g) {
  auto& e = cpu_engine();
  memory gt(p.t_blocked, e, b.gt);
  if (gy) {
    reorder_into(p.gt_in, stream, memory(p.t_user, e, const_cast<float*>(gy)), gt);
    stream.wait();
  }
  mask_by(floats(b.gt), kept, p.t_blocked.get_size());
  weight_grads(p.tail, stream, gt, last, {}, slices.inner, slices.gwt(i), nullptr, b.dwt, b.scratchpad);
  channel_sums(floats(b.gt), p.t_blocked.dims(), slices.gbt(i));
  run(p.tail.forward, stream, {{DNNL_ARG_SRC, gt}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, g}}, p.tail.pad_forward,
      b.scratchpad);
  stream.wait();
}

}  // namespace

bool dnnl_residual_stack_backward(const float* gy, const float* x, const StemPointers& stem,
                                  const std::vector<ResidualPointers>& blocks, bool relu_after,
                                  const std::vector<const float*>& activations, const std::vector<const float*>& hidden,
                                  float* gx, const std::vector<std::array<float*, 4>>& grads,
                                  const std::array<float*, 8>& stem_grads, const ResidualShape& s) {
  const auto c = residual::chunks(s);
  if (!c) return false;
  const std::vector<ChunkWeights> w = residual::chunk_weights(*c, blocks, false);
  const StemWeights ws(*c, stem.w, false);
  const StemWeights wt(*c, stem.tail_w, true, &Plan::tail);  // its input gradient is a forward
  const StemWeights wl(*c, s.last.c > 0 ? stem.last_w : nullptr, true, &Plan::last);  // so is the last's
  GradSlices slices(*c, s, static_cast<Index>(blocks.size()));
  if (!slices.inner) oihw_sums.fetch_add(1, std::memory_order_relaxed);
  const Index x_image = s.c * s.h * s.w, h_image = s.k * s.h * s.w, xs_image = s.stem.c * s.stem.h * s.stem.w;
  const Index xh_image = s.head.c * s.head.h * s.head.w, t_image = s.tail.c * s.tail.h * s.tail.w;
  const Index l_image = s.last.c * s.last.h * s.last.w;
  for_each_chunk(*c, false, [&](Chunk& chunk) {
    auto& [i, p, b, j, n0, e, stream] = chunk;
    memory g(p.x_blocked, e, b.g);
    if (p.has_last) last_backward(p, b, stream, slices, i, gy + n0 * l_image, stem.tail_out + n0 * t_image, wl.w[j]);
    if (p.has_tail) {
      const memory last(p.x_blocked, e, const_cast<float*>(activations.back()) + n0 * x_image);
      const float* gt = p.has_last ? nullptr : gy + n0 * t_image;
      tail_backward(p, b, stream, slices, i, gt, stem.tail_out + n0 * t_image, last, wt.w[j], g);
    } else {
      reorder_into(p.gy_in, stream, memory(p.y_user, e, const_cast<float*>(gy) + n0 * x_image), g);
      stream.wait();
    }
    if (relu_after) mask_by(floats(b.g), activations.back() + n0 * x_image, p.x_blocked.get_size());
    const BackwardChunk bc{p, b, stream, slices, i};
    for (std::size_t k = blocks.size(); k-- > 0;)
      bc.block(static_cast<Index>(k), activations[k] + n0 * x_image, hidden[k] + n0 * h_image, w[k], j);
    if (p.has_stem) {  // its weight gradient from the kept blocked x, then its input gradient
      memory xsb(p.xs_blocked, e, b.xs), kept(p.xs_blocked, e, stem.x_blocked + n0 * xs_image);
      weight_grads(p.stem, stream, kept, g, p.b1, slices.inner, slices.gws(i), slices.gbs(i), b.dws, b.scratchpad);
      run(p.stem.backward_data, stream, {{DNNL_ARG_DIFF_DST, g}, {DNNL_ARG_WEIGHTS, ws.w[j]}, {DNNL_ARG_DIFF_SRC, xsb}},
          p.stem.pad_backward_data, b.scratchpad);
      if (p.has_head) {
        stream.wait();
        head_backward(p, b, stream, slices, i, xsb, kept, memory(p.xh_user, e, const_cast<float*>(x) + n0 * xh_image));
        if (gx) reorder_into(p.xs_out, stream, xsb, memory(p.xs_user, e, gx + n0 * xs_image));
      } else {
        reorder_into(p.xs_out, stream, xsb, memory(p.xs_user, e, gx + n0 * xs_image));
      }
    } else {
      reorder_into(p.x_out, stream, g, memory(p.x_user, e, gx + n0 * x_image));
    }
    stream.wait();
  });
  slices.finish(*c->full, grads, stem_grads);
  return true;
}

std::uint64_t residual_oihw_sum_count() { return oihw_sums.load(); }

void force_residual_oihw_sum(bool on) { forced_oihw_sum.store(on); }

}  // namespace xgrad::core::detail
