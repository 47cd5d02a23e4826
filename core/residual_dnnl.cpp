#include "xgrad/core/detail/residual_dnnl.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "xgrad/core/detail/dnnl_common.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::core::detail {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Args = std::unordered_map<int, memory>;

memory::desc f32(const memory::dims& d, Tag t) { return {d, memory::data_type::f32, t}; }

constexpr std::size_t kAlign = 64;
std::size_t aligned(std::size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

dnnl::reorder reorder(const memory::desc& from, const memory::desc& to) {
  auto& e = cpu_engine();
  return dnnl::reorder(dnnl::reorder::primitive_desc(e, from, e, to));
}

// reorder::execute takes its memories by reference: this takes them by value.
void reorder_into(const dnnl::reorder& r, dnnl::stream& stream, memory from, memory to) { r.execute(stream, from, to); }

// A weight in xgrad's OIHW and in the layout one kernel chose, with the reorders both ways.
struct Weights {
  memory::desc user, inner;
  dnnl::reorder to_inner, to_user;
};

Weights weights(const memory::desc& user, const memory::desc& inner) {
  return {user, inner, reorder(user, inner), reorder(inner, user)};
}

// One convolution of the block: its operand descriptors (activations blocked by 16).
struct ConvDescs {
  memory::desc src, weights, bias, dst;
  memory::dims strides, pad_l, pad_r;
};

dnnl::primitive_attr attr(const dnnl::post_ops& post = {}) {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (post.len() > 0) a.set_post_ops(post);
  return a;
}

using Fwd = dnnl::convolution_forward;
using BwdData = dnnl::convolution_backward_data;
using BwdWeights = dnnl::convolution_backward_weights;
constexpr auto kDirect = dnnl::algorithm::convolution_direct;

Fwd::primitive_desc forward_pd(const ConvDescs& d, const dnnl::post_ops& post = {}) {
  const Fwd::desc desc(dnnl::prop_kind::forward_training, kDirect, d.src, d.weights, d.bias, d.dst, d.strides, d.pad_l,
                       d.pad_r);
  return {desc, attr(post), cpu_engine()};
}

// One convolution's three kernels and the weight layouts they chose.
struct Conv {
  dnnl::primitive forward, backward_data, backward_weights;
  Weights w_forward, w_backward_data, dw;
  memory::desc pad_forward, pad_backward_data, pad_backward_weights;  // their scratchpads
  std::size_t scratchpad = 0;                                         // the largest
  bool bias_grad = true;  // the weight-gradient kernel also sums the bias gradient
};

// `bias_grad`: whether the weight-gradient kernel sums the bias gradient too. The 1x1's
// did it slowly (DNNL_VERBOSE, 32 images: 86 us a call with it, 58 without).
Conv make_conv(const ConvDescs& d, const memory::desc& oihw, const dnnl::post_ops& post, bool bias_grad) {
  const Fwd::primitive_desc fwd = forward_pd(d, post), hint = forward_pd(d);
  const BwdData::primitive_desc bd(BwdData::desc(kDirect, d.src, d.weights, d.dst, d.strides, d.pad_l, d.pad_r),
                                   attr(), cpu_engine(), hint);
  const BwdWeights::primitive_desc bw(
      bias_grad ? BwdWeights::desc(kDirect, d.src, d.weights, d.bias, d.dst, d.strides, d.pad_l, d.pad_r)
                : BwdWeights::desc(kDirect, d.src, d.weights, d.dst, d.strides, d.pad_l, d.pad_r),
      attr(), cpu_engine(), hint);
  Conv c{Fwd(fwd), BwdData(bd), BwdWeights(bw), weights(oihw, fwd.weights_desc()), weights(oihw, bd.weights_desc()),
         weights(oihw, bw.diff_weights_desc()), fwd.scratchpad_desc(), bd.scratchpad_desc(),
         bw.scratchpad_desc(), 0, bias_grad};
  for (const auto& s : {c.pad_forward, c.pad_backward_data, c.pad_backward_weights})
    c.scratchpad = std::max(c.scratchpad, s.get_size());
  return c;
}

// The block's kernels for chunks of n images: conv3 (relu as a post-op) and conv1 (the
// residual added as a sum post-op into a destination that holds x).
struct Plan {
  memory::desc x_user, x_blocked, h_blocked, b3, b1;
  dnnl::reorder x_in, x_out;
  Conv conv3, conv1;
  std::size_t x_bytes = 0, h_bytes = 0;
  // The stem, when there is one: its input in both layouts, and its kernels.
  bool has_stem = false;
  memory::desc xs_user, xs_blocked;
  dnnl::reorder xs_in, xs_out;
  Conv stem;
  std::size_t xs_bytes = 0;
  std::size_t scratchpad() const {
    return std::max({conv3.scratchpad, conv1.scratchpad, has_stem ? stem.scratchpad : 0});
  }
  std::size_t dw_stem_bytes() const { return has_stem ? aligned(stem.dw.inner.get_size()) : 0; }
  std::size_t slot_bytes() const {  // x, g, ga, gh, dw3, dw1, xs, dws, scratchpad
    return 3 * x_bytes + h_bytes + aligned(conv3.dw.inner.get_size()) + aligned(conv1.dw.inner.get_size()) + xs_bytes +
           dw_stem_bytes() + aligned(scratchpad());
  }
};

// oneDNN's right padding: what makes the output grid exact.
Index pad_right(Index in, Index out, Index k, Index stride, Index pad) { return (out - 1) * stride + k - in - pad; }

void add_stem(Plan& p, const ResidualShape& s) {
  const ResidualStemShape& t = s.stem;
  const memory::dims xd{s.n, t.c, t.h, t.w};
  p.has_stem = true;
  p.xs_user = f32(xd, Tag::nchw), p.xs_blocked = f32(xd, Tag::nChw16c);
  p.xs_in = reorder(p.xs_user, p.xs_blocked), p.xs_out = reorder(p.xs_blocked, p.xs_user);
  p.stem = make_conv({p.xs_blocked, f32({s.c, t.c, t.kh, t.kw}, Tag::any), p.b1, p.x_blocked, {t.sh, t.sw},
                      {t.ph, t.pw}, {pad_right(t.h, s.h, t.kh, t.sh, t.ph), pad_right(t.w, s.w, t.kw, t.sw, t.pw)}},
                     f32({s.c, t.c, t.kh, t.kw}, Tag::oihw), {}, true);
  p.xs_bytes = aligned(p.xs_blocked.get_size());
}

Plan make_plan(const ResidualShape& s) {
  Plan p;
  const memory::dims xd{s.n, s.c, s.h, s.w}, hd{s.n, s.k, s.h, s.w};
  p.x_user = f32(xd, Tag::nchw), p.x_blocked = f32(xd, Tag::nChw16c), p.h_blocked = f32(hd, Tag::nChw16c);
  p.b3 = f32({s.k}, Tag::x), p.b1 = f32({s.c}, Tag::x);
  p.x_in = reorder(p.x_user, p.x_blocked), p.x_out = reorder(p.x_blocked, p.x_user);
  dnnl::post_ops relu, sum;
  relu.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  sum.append_sum(1.f);
  p.conv3 = make_conv({p.x_blocked, f32({s.k, s.c, 3, 3}, Tag::any), p.b3, p.h_blocked, {1, 1}, {1, 1}, {1, 1}},
                      f32({s.k, s.c, 3, 3}, Tag::oihw), relu, true);
  p.conv1 = make_conv({p.h_blocked, f32({s.c, s.k, 1, 1}, Tag::any), p.b1, p.x_blocked, {1, 1}, {0, 0}, {0, 0}},
                      f32({s.c, s.k, 1, 1}, Tag::oihw), sum, false);
  p.x_bytes = aligned(p.x_blocked.get_size()), p.h_bytes = aligned(p.h_blocked.get_size());
  if (s.stem.c > 0) add_stem(p, s);
  return p;
}

// Plans live for the whole program, one per shape (every block of a stack has the same);
// a shape oneDNN fails on is remembered.
const Plan* find_plan(const ResidualShape& s) {
  static std::mutex mu;
  static std::map<std::array<Index, 14>, std::optional<Plan>> plans;
  const ResidualStemShape& t = s.stem;
  const std::array<Index, 14> key{s.n, s.c, s.k, s.h, s.w, t.c, t.h, t.w, t.kh, t.kw, t.sh, t.sw, t.ph, t.pw};
  std::lock_guard lock(mu);
  auto it = plans.find(key);
  if (it == plans.end()) {
    std::optional<Plan> plan;
    try {
      plan = make_plan(s);
    } catch (const dnnl::error&) {  // no kernel: the caller composes
    }
    it = plans.emplace(key, std::move(plan)).first;
  }
  return it->second ? &*it->second : nullptr;
}

// The batch in chunks fixed by the shape alone (never the thread count). 32 images a
// chunk, as core's other convolutions: BM_VqVaeStep's minimum over 5 runs, 1 thread, three
// rounds (loaded), ms: 8 images 83.0 79.8 82.9, 16 images 82.0 78.4 79.0, 32 images 80.1
// 78.7 78.3. Smaller chunks keep more of a chunk in L2 (1 MiB a core; at 32 images a
// chunk's scratch takes ~1.4 MB), but their kernels run slower per image (DNNL_VERBOSE:
// the 1x1 weight gradient 1.6x, the 3x3 kernels 1.05x at 16) and every call costs its own.
constexpr Index kImagesPerChunk = 32;

struct Chunks {
  Index per = 0, count = 0;
  const Plan* full = nullptr;
  const Plan* last = nullptr;
  const Plan& plan(Index i) const { return i + 1 == count ? *last : *full; }
};

std::optional<Chunks> chunks(const ResidualShape& s) {
  if (s.n == 0 || s.c % 16 != 0 || s.k % 16 != 0 || s.stem.c % 16 != 0) return std::nullopt;
  const OneOpenMpThread one;  // kernels chosen for the one thread they run on
  Chunks c;
  c.count = (s.n + kImagesPerChunk - 1) / kImagesPerChunk;
  c.per = (s.n + c.count - 1) / c.count;
  c.count = (s.n + c.per - 1) / c.per;
  ResidualShape part = s;
  part.n = c.per;
  c.full = find_plan(part);
  part.n = s.n - (c.count - 1) * c.per;
  c.last = find_plan(part);
  if (!c.full || !c.last) return std::nullopt;
  return c;
}

// Calls body(i, slot) for every chunk i in parallel, slot = this thread's buffer of the
// plans' slot_bytes, allocated before the loop.
template <class Body>
void for_each_chunk(const Chunks& c, Body&& body) {
  const std::size_t bytes = aligned(std::max(c.full->slot_bytes(), c.last->slot_bytes()));
  const Index floats = static_cast<Index>(bytes / sizeof(float));
  Tensor<float> slots(Shape{thread_slots(), floats});
  parallel_for(0, c.count, 1, [&](Index lo, Index hi) {
    const OneOpenMpThread one;
    char* slot = reinterpret_cast<char*>(slots.data() + thread_slot() * floats);
    for (Index i = lo; i < hi; ++i) body(i, slot);
  });
}

// A weight reordered once into the layout a kernel reads (the copy kept in `store`).
memory inner_weights(const Weights& w, const float* oihw, std::vector<Tensor<float>>& store) {
  auto& e = cpu_engine();
  store.emplace_back(Shape{static_cast<Index>(aligned(w.inner.get_size()) / sizeof(float))});
  memory inner(w.inner, e, store.back().data());
  const OneOpenMpThread one;
  dnnl::stream stream(e);
  reorder_into(w.to_inner, stream, memory(w.user, e, const_cast<float*>(oihw)), inner);
  stream.wait();
  return inner;
}

// One block's weights reordered for the full chunks' plan and the last one's: [0] full, [1] last.
struct ChunkWeights {
  std::vector<Tensor<float>> store;
  std::array<memory, 2> w3, w1;
  ChunkWeights(const Chunks& c, const ResidualPointers& b, bool forward) {
    store.reserve(4);  // the memories point into it
    for (int j = 0; j < 2; ++j) {
      const Plan& p = j == 0 ? *c.full : *c.last;
      w3[j] = inner_weights(forward ? p.conv3.w_forward : p.conv3.w_backward_data, b.w3, store);
      w1[j] = inner_weights(forward ? p.conv1.w_forward : p.conv1.w_backward_data, b.w1, store);
    }
  }
};

// The stem's weight reordered for the full chunks' plan and the last one's.
struct StemWeights {
  std::vector<Tensor<float>> store;
  std::array<memory, 2> w;
  StemWeights(const Chunks& c, const float* oihw, bool forward) {
    store.reserve(2);  // the memories point into it
    if (!c.full->has_stem) return;
    for (int j = 0; j < 2; ++j) {
      const Plan& p = j == 0 ? *c.full : *c.last;
      w[j] = inner_weights(forward ? p.stem.w_forward : p.stem.w_backward_data, oihw, store);
    }
  }
};

std::vector<ChunkWeights> chunk_weights(const Chunks& c, const std::vector<ResidualPointers>& blocks, bool forward) {
  std::vector<ChunkWeights> w;
  w.reserve(blocks.size());
  for (const ResidualPointers& b : blocks) w.emplace_back(c, b, forward);
  return w;
}

// Buffers of one slot, in slot_bytes order.
struct Slot {
  char *x, *g, *ga, *gh, *dw3, *dw1, *xs, *dws, *scratchpad;
  Slot(const Plan& p, char* at) {
    x = at, g = x + p.x_bytes, ga = g + p.x_bytes, gh = ga + p.x_bytes, dw3 = gh + p.h_bytes;
    dw1 = dw3 + aligned(p.conv3.dw.inner.get_size());
    xs = dw1 + aligned(p.conv1.dw.inner.get_size());
    dws = xs + p.xs_bytes;
    scratchpad = dws + p.dw_stem_bytes();
  }
};

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
  const auto c = chunks(s);
  if (!c) return false;
  const std::vector<ChunkWeights> w = chunk_weights(*c, blocks, true);
  const StemWeights ws(*c, stem.w, true);
  const Index x_image = s.c * s.h * s.w, h_image = s.k * s.h * s.w, xs_image = s.stem.c * s.stem.h * s.stem.w;
  for_each_chunk(*c, [&](Index i, char* at) {
    const Plan& p = c->plan(i);
    const Slot b(p, at);
    const int j = i + 1 == c->count;
    const Index n0 = i * c->per;
    auto& e = cpu_engine();
    dnnl::stream stream(e);
    const ForwardChunk f{p, b, stream};
    memory xb(p.x_blocked, e, b.x);
    if (p.has_stem) {  // its output goes straight into the running sum, blocked
      memory xsb(p.xs_blocked, e, b.xs);
      reorder_into(p.xs_in, stream, memory(p.xs_user, e, const_cast<float*>(x) + n0 * xs_image), xsb);
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
    reorder_into(p.x_out, stream, xb, memory(p.x_user, e, y + n0 * x_image));
    stream.wait();
  });
  return true;
}

namespace {

// Each chunk's weight and bias gradients in its own slice ([gw3 | gb3 | gw1 | gb1] per
// block, OIHW), added in chunk order at the end: the same bits on any number of threads.
struct GradSlices {
  Index n3, k, n1, c, size, blocks, ns, row;  // ns: the stem's weight (0 without a stem)
  Tensor<float> partial;
  GradSlices(const ResidualShape& s, Index count, Index blocks)
      : n3(s.k * s.c * 9), k(s.k), n1(s.c * s.k), c(s.c), size(n3 + k + n1 + c), blocks(blocks),
        ns(s.c * s.stem.c * s.stem.kh * s.stem.kw), row(blocks * size + (ns > 0 ? ns + c : 0)),
        partial(Shape{count, row}) {}
  float* gw3(Index i, Index b) { return partial.data() + i * row + b * size; }
  float* gb3(Index i, Index b) { return gw3(i, b) + n3; }
  float* gw1(Index i, Index b) { return gb3(i, b) + k; }
  float* gb1(Index i, Index b) { return gw1(i, b) + n1; }
  float* gws(Index i) { return partial.data() + i * row + blocks * size; }
  float* gbs(Index i) { return gws(i) + ns; }
  void finish(const std::vector<std::array<float*, 4>>& grads, const std::array<float*, 2>& stem) {
    float* total = partial.data();
    for (Index i = 1; i < partial.size(0); ++i)
      for (Index j = 0; j < row; ++j) total[j] += partial.data()[i * row + j];
    if (ns > 0) {
      std::copy(gws(0), gws(0) + ns, stem[0]);
      std::copy(gbs(0), gbs(0) + c, stem[1]);
    }
    for (Index b = 0; b < blocks; ++b) {
      const float* t = total + b * size;
      std::copy(t, t + n3, grads[b][0]);
      std::copy(t + n3, t + n3 + k, grads[b][1]);
      std::copy(t + n3 + k, t + n3 + k + n1, grads[b][2]);
      std::copy(t + n3 + k + n1, t + size, grads[b][3]);
    }
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
      for (Index q = 0; q < plane; ++q)
        for (int l = 0; l < 16; ++l) o[l] += p[q * 16 + l];
    }
}

// One convolution's weight and bias gradient for a chunk, into its slices (OIHW).
void weight_grads(const Conv& conv, dnnl::stream& stream, const memory& src, const memory& diff_dst,
                  const memory::desc& bias, float* gw, float* gb, char* dw_at, char* pad_at) {
  auto& e = cpu_engine();
  memory dw(conv.dw.inner, e, dw_at);
  Args args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, dw}};
  if (conv.bias_grad) args[DNNL_ARG_DIFF_BIAS] = memory(bias, e, gb);
  run(conv.backward_weights, stream, std::move(args), conv.pad_backward_weights, pad_at);
  reorder_into(conv.dw.to_user, stream, dw, memory(conv.dw.user, e, gw));
  stream.wait();
  if (!conv.bias_grad)
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
    weight_grads(p.conv1, stream, hb, g, p.b1, grads.gw1(i, k), grads.gb1(i, k), b.dw1, b.scratchpad);
    run(p.conv1.backward_data, stream, {{DNNL_ARG_DIFF_DST, g}, {DNNL_ARG_WEIGHTS, w.w1[j]}, {DNNL_ARG_DIFF_SRC, gh}},
        p.conv1.pad_backward_data, b.scratchpad);
    stream.wait();
    mask_by(floats(b.gh), hidden, p.h_blocked.get_size());
    weight_grads(p.conv3, stream, ab, gh, p.b3, grads.gw3(i, k), grads.gb3(i, k), b.dw3, b.scratchpad);
    run(p.conv3.backward_data, stream, {{DNNL_ARG_DIFF_DST, gh}, {DNNL_ARG_WEIGHTS, w.w3[j]}, {DNNL_ARG_DIFF_SRC, ga}},
        p.conv3.pad_backward_data, b.scratchpad);
    stream.wait();
    float* gp = floats(b.g);
    const float* gap = floats(b.ga);
    for (std::size_t q = 0; q < x_size / sizeof(float); ++q) gp[q] += a[q] > 0.f ? gap[q] : 0.f;
  }
};

}  // namespace

bool dnnl_residual_stack_backward(const float* gy, const float* x, const StemPointers& stem,
                                  const std::vector<ResidualPointers>& blocks, bool relu_after,
                                  const std::vector<const float*>& activations, const std::vector<const float*>& hidden,
                                  float* gx, const std::vector<std::array<float*, 4>>& grads,
                                  const std::array<float*, 2>& stem_grads, const ResidualShape& s) {
  const auto c = chunks(s);
  if (!c) return false;
  const std::vector<ChunkWeights> w = chunk_weights(*c, blocks, false);
  const StemWeights ws(*c, stem.w, false);
  GradSlices slices(s, c->count, static_cast<Index>(blocks.size()));
  const Index x_image = s.c * s.h * s.w, h_image = s.k * s.h * s.w, xs_image = s.stem.c * s.stem.h * s.stem.w;
  for_each_chunk(*c, [&](Index i, char* at) {
    const Plan& p = c->plan(i);
    const Slot b(p, at);
    const int j = i + 1 == c->count;
    const Index n0 = i * c->per;
    auto& e = cpu_engine();
    dnnl::stream stream(e);
    memory g(p.x_blocked, e, b.g);
    reorder_into(p.x_in, stream, memory(p.x_user, e, const_cast<float*>(gy) + n0 * x_image), g);
    stream.wait();
    if (relu_after) mask_by(floats(b.g), activations.back() + n0 * x_image, p.x_blocked.get_size());
    const BackwardChunk bc{p, b, stream, slices, i};
    for (std::size_t k = blocks.size(); k-- > 0;)
      bc.block(static_cast<Index>(k), activations[k] + n0 * x_image, hidden[k] + n0 * h_image, w[k], j);
    if (p.has_stem) {  // its weight gradient from x, then its input gradient into the same buffer
      memory xsb(p.xs_blocked, e, b.xs);
      reorder_into(p.xs_in, stream, memory(p.xs_user, e, const_cast<float*>(x) + n0 * xs_image), xsb);
      weight_grads(p.stem, stream, xsb, g, p.b1, slices.gws(i), slices.gbs(i), b.dws, b.scratchpad);
      run(p.stem.backward_data, stream, {{DNNL_ARG_DIFF_DST, g}, {DNNL_ARG_WEIGHTS, ws.w[j]}, {DNNL_ARG_DIFF_SRC, xsb}},
          p.stem.pad_backward_data, b.scratchpad);
      reorder_into(p.xs_out, stream, xsb, memory(p.xs_user, e, gx + n0 * xs_image));
    } else {
      reorder_into(p.x_out, stream, g, memory(p.x_user, e, gx + n0 * x_image));
    }
    stream.wait();
  });
  slices.finish(grads, stem_grads);
  return true;
}

}  // namespace xgrad::core::detail
