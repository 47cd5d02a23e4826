#include "xgrad/core/detail/conv_dnnl.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
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

memory::desc plain(const memory::dims& d, Tag tag) { return {d, memory::data_type::f32, tag}; }
memory::desc any(const memory::dims& d) { return {d, memory::data_type::f32, Tag::any}; }

constexpr std::size_t kAlign = 64;
std::size_t aligned(std::size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// A tensor in xgrad's layout (NCHW, OIHW) and in the blocked one the kernel chose, with
// the reorders between them when the two differ.
struct Layout {
  memory::desc user, inner;
  dnnl::reorder to_inner, to_user;
  bool same() const { return user == inner; }
  std::size_t bytes() const { return same() ? 0 : aligned(inner.get_size()); }
};

Layout layout(const memory::desc& user, const memory::desc& inner) {
  Layout l{user, inner, {}, {}};
  if (!l.same()) {
    auto& e = cpu_engine();
    l.to_inner = dnnl::reorder(dnnl::reorder::primitive_desc(e, user, e, inner));
    l.to_user = dnnl::reorder(dnnl::reorder::primitive_desc(e, inner, e, user));
  }
  return l;
}

enum class Op { forward, backward_data, backward_weights };

// One kernel for one chunk size, with the layouts of its operands. `batch` are the
// operands cut by image (read or written per chunk); `weights` is read whole (forward,
// backward data) or written per chunk (backward weights).
struct Plan {
  dnnl::primitive kernel;
  std::vector<std::pair<int, Layout>> batch;  // (oneDNN argument, layout)
  int weights_arg = 0;
  Layout weights;
  memory::desc scratchpad;
  std::size_t scratch_bytes() const {
    std::size_t b = aligned(scratchpad.get_size()) + (weights_arg == DNNL_ARG_DIFF_WEIGHTS ? weights.bytes() : 0);
    for (const auto& [arg, l] : batch) b += l.bytes();
    return b;
  }
};

struct Dims {
  memory::dims src, weights, dst, strides, dilates, pad_l, pad_r;
};

Dims dims(const ConvShape& s) {
  const ConvGeometry& g = s.g;
  // oneDNN counts dilation from 0 and wants the right padding that makes the grid exact.
  return {{s.n, g.c, g.h, g.w},
          {s.o, g.c, g.kh, g.kw},
          {s.n, s.o, g.oh, g.ow},
          {g.sh, g.sw},
          {g.dh - 1, g.dw - 1},
          {g.ph, g.pw},
          {(g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.h - g.ph, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.w - g.pw}};
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::convolution_forward::primitive_desc forward_pd(const Dims& d, bool bias) {
  using F = dnnl::convolution_forward;
  const auto kind = dnnl::prop_kind::forward_training;
  const auto alg = dnnl::algorithm::convolution_direct;
  const F::desc desc =
      bias ? F::desc(kind, alg, any(d.src), any(d.weights), plain({d.weights[0]}, Tag::x), any(d.dst), d.strides,
                     d.dilates, d.pad_l, d.pad_r)
           : F::desc(kind, alg, any(d.src), any(d.weights), any(d.dst), d.strides, d.dilates, d.pad_l, d.pad_r);
  return F::primitive_desc(desc, user_scratchpad(), cpu_engine());
}

Plan make_plan(Op op, bool bias, const ConvShape& s) {
  const Dims d = dims(s);
  const auto alg = dnnl::algorithm::convolution_direct;
  const auto src = plain(d.src, Tag::nchw), dst = plain(d.dst, Tag::nchw), w = plain(d.weights, Tag::oihw);
  const auto fwd = forward_pd(d, bias);
  Plan p;
  if (op == Op::forward) {
    p.kernel = dnnl::convolution_forward(fwd);
    p.batch = {{DNNL_ARG_SRC, layout(src, fwd.src_desc())}, {DNNL_ARG_DST, layout(dst, fwd.dst_desc())}};
    p.weights_arg = DNNL_ARG_WEIGHTS;
    p.weights = layout(w, fwd.weights_desc());
    p.scratchpad = fwd.scratchpad_desc();
  } else if (op == Op::backward_data) {
    using B = dnnl::convolution_backward_data;
    const B::primitive_desc pd(
        B::desc(alg, any(d.src), any(d.weights), any(d.dst), d.strides, d.dilates, d.pad_l, d.pad_r),
        user_scratchpad(), cpu_engine(), fwd);
    p.kernel = B(pd);
    p.batch = {{DNNL_ARG_DIFF_DST, layout(dst, pd.diff_dst_desc())}, {DNNL_ARG_DIFF_SRC, layout(src, pd.diff_src_desc())}};
    p.weights_arg = DNNL_ARG_WEIGHTS;
    p.weights = layout(w, pd.weights_desc());
    p.scratchpad = pd.scratchpad_desc();
  } else {
    using B = dnnl::convolution_backward_weights;
    const B::primitive_desc pd(
        B::desc(alg, any(d.src), any(d.weights), any(d.dst), d.strides, d.dilates, d.pad_l, d.pad_r),
        user_scratchpad(), cpu_engine(), fwd);
    p.kernel = B(pd);
    p.batch = {{DNNL_ARG_SRC, layout(src, pd.src_desc())}, {DNNL_ARG_DIFF_DST, layout(dst, pd.diff_dst_desc())}};
    p.weights_arg = DNNL_ARG_DIFF_WEIGHTS;
    p.weights = layout(w, pd.diff_weights_desc());
    p.scratchpad = pd.scratchpad_desc();
  }
  return p;
}

// Plans, one per (op, bias, shape), in a bounded PlanCache (dnnl_common.hpp): the chunks
// of a batch above 512 images grow with it, so a program meeting ever new batch sizes
// would otherwise keep a kernel for each.
constexpr std::size_t kMaxPlans = 256;
using PlanPtr = std::shared_ptr<const Plan>;
using PlanKey = std::array<Index, 17>;

PlanCache<PlanKey, Plan>& plan_cache() {
  static PlanCache<PlanKey, Plan> cache(kMaxPlans);
  return cache;
}

PlanPtr find_plan(Op op, bool bias, const ConvShape& s) {
  const ConvGeometry& g = s.g;
  const PlanKey key{static_cast<Index>(op), bias, s.n, s.o, g.c, g.h, g.w, g.kh, g.kw, g.oh, g.ow,
                    g.sh, g.sw, g.ph, g.pw, g.dh, g.dw};
  return plan_cache().find(key, [&](const PlanKey&) { return make_plan(op, bias, s); });
}

}  // namespace

std::size_t dnnl_conv_plans_cached() { return plan_cache().size(); }

std::size_t dnnl_conv_plans_max() { return kMaxPlans; }

namespace {

// The batch cut into chunks of `per` images; the last may be shorter and has its own
// plan. Fixed by the shape alone, never by the thread count. About 32 images a chunk:
// every chunk costs a kernel call and a reorder per operand whatever its size, and the
// VQ-VAE step (batch 128) ran ~5 % faster in 4 chunks of 32 than in 16 of 8 (1 and 2
// threads, loaded); at least 4 chunks so that small batches still use the threads, at
// most 16 so that a chunk's operands stay within L2.
constexpr Index kImagesPerChunk = 32, kMinChunks = 4, kMaxChunks = 16;

struct Chunks {
  Index per = 0, count = 0;
  PlanPtr full, last;
  const Plan& plan(Index i) const { return i + 1 == count ? *last : *full; }
  Index images(Index i, Index n) const { return std::min(per, n - i * per); }
};

std::optional<Chunks> chunks(Op op, bool bias, const ConvShape& s) {
  if (s.n == 0) return std::nullopt;
  const OneOpenMpThread one;  // kernels chosen for the one thread they run on
  Chunks c;
  const Index wanted = std::clamp((s.n + kImagesPerChunk - 1) / kImagesPerChunk, kMinChunks, kMaxChunks);
  c.per = (s.n + wanted - 1) / wanted;
  c.count = (s.n + c.per - 1) / c.per;
  ConvShape part = s;
  part.n = c.per;
  c.full = find_plan(op, bias, part);
  part.n = s.n - (c.count - 1) * c.per;
  c.last = find_plan(op, bias, part);
  if (!c.full || !c.last) return std::nullopt;
  return c;
}

// Calls body(i, scratch) for every chunk i, in parallel; scratch holds the chunk's plan's
// scratch_bytes, one buffer per thread slot allocated before the loop.
std::size_t scratch_bytes(const Chunks& c) { return std::max(c.full->scratch_bytes(), c.last->scratch_bytes()); }

template <class Body>
void for_each_chunk(const Chunks& c, Body&& body, std::size_t bytes = 0) {
  const Index floats = static_cast<Index>((bytes ? bytes : scratch_bytes(c)) / sizeof(float));
  Tensor<float> scratch(Shape{thread_slots(), std::max<Index>(floats, 1)});
  parallel_for(0, c.count, 1, [&](Index lo, Index hi) {
    const OneOpenMpThread one;
    char* buf = reinterpret_cast<char*>(scratch.data() + thread_slot() * floats);
    for (Index i = lo; i < hi; ++i) body(i, buf);
  });
}

// Inputs of one chunk already reordered into a kernel's layout, for the chunk's next
// kernel: the two kernels of a backward pass read the same output gradient, and each
// reorder of it cost a pass over memory (reorders were ~15 % of the VQ-VAE step).
struct Reordered {
  const float* user;
  memory inner;
};
using ReorderedInputs = std::vector<Reordered>;

const memory* find(const ReorderedInputs* done, const float* user, const memory::desc& inner) {
  if (done)
    for (const Reordered& r : *done)
      if (r.user == user && r.inner.get_desc() == inner) return &r.inner;
  return nullptr;
}

// Runs a plan's kernel on one chunk: batch operands given in xgrad's layout (in the order
// of plan.batch; reordered in and, for outputs, back out), the rest (`args`: weights,
// bias) passed as they are. Inputs found in `done` are not reordered again; the ones
// reordered here are added to it.
void execute(const Plan& p, const std::vector<float*>& batch, std::unordered_map<int, memory> args, char* scratch,
             ReorderedInputs* done = nullptr) {
  auto& e = cpu_engine();
  dnnl::stream stream(e);
  std::vector<std::pair<const Layout*, std::pair<memory, memory>>> outputs;
  for (std::size_t i = 0; i < p.batch.size(); ++i) {
    const auto& [arg, l] = p.batch[i];
    memory user(l.user, e, batch[i]);
    const bool output = arg == DNNL_ARG_DST || arg == DNNL_ARG_DIFF_SRC;
    if (l.same()) {
      args[arg] = user;
      continue;
    }
    if (const memory* m = output ? nullptr : find(done, batch[i], l.inner)) {
      args[arg] = *m;
      continue;
    }
    memory inner(l.inner, e, scratch);
    scratch += l.bytes();
    if (output) {
      outputs.push_back({&l, {inner, user}});
    } else {
      l.to_inner.execute(stream, user, inner);
      if (done) done->push_back({batch[i], inner});
    }
    args[arg] = inner;
  }
  if (p.scratchpad.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = memory(p.scratchpad, e, scratch);
  p.kernel.execute(stream, args);
  for (auto& [l, m] : outputs) l->to_user.execute(stream, m.first, m.second);
  stream.wait();
}

// The weights in each plan's layout, reordered once for all chunks (kept in `store`).
memory weights_for(const Plan& p, const float* w, std::vector<Tensor<float>>& store) {
  auto& e = cpu_engine();
  memory user(p.weights.user, e, const_cast<float*>(w));
  if (p.weights.same()) return user;
  store.emplace_back(Shape{static_cast<Index>(p.weights.bytes() / sizeof(float))});
  memory inner(p.weights.inner, e, store.back().data());
  const OneOpenMpThread one;
  dnnl::stream stream(e);
  p.weights.to_inner.execute(stream, user, inner);
  stream.wait();
  return inner;
}

}  // namespace

bool dnnl_conv2d(const float* x, const float* w, const float* bias, float* y, const ConvShape& s) {
  const auto c = chunks(Op::forward, bias != nullptr, s);
  if (!c) return false;
  std::vector<Tensor<float>> store;
  store.reserve(2);  // the memories below point into it
  const memory wf = weights_for(*c->full, w, store), wl = weights_for(*c->last, w, store);
  memory b;
  if (bias) b = memory(plain({s.o}, Tag::x), cpu_engine(), const_cast<float*>(bias));
  const Index in = s.g.c * s.g.plane(), out = s.o * s.g.cols();
  for_each_chunk(*c, [&](Index i, char* scratch) {
    const Index n0 = i * c->per;
    std::unordered_map<int, memory> args{{DNNL_ARG_WEIGHTS, i + 1 == c->count ? wl : wf}};
    if (bias) args[DNNL_ARG_BIAS] = b;
    execute(c->plan(i), {const_cast<float*>(x) + n0 * in, y + n0 * out}, std::move(args), scratch);
  });
  return true;
}

bool dnnl_conv2d_backward_input(const float* gy, const float* w, float* gx, const ConvShape& s) {
  const auto c = chunks(Op::backward_data, false, s);
  if (!c) return false;
  std::vector<Tensor<float>> store;
  store.reserve(2);  // the memories below point into it
  const memory wf = weights_for(*c->full, w, store), wl = weights_for(*c->last, w, store);
  const Index in = s.g.c * s.g.plane(), out = s.o * s.g.cols();
  for_each_chunk(*c, [&](Index i, char* scratch) {
    const Index n0 = i * c->per;
    execute(c->plan(i), {const_cast<float*>(gy) + n0 * out, gx + n0 * in},
            {{DNNL_ARG_WEIGHTS, i + 1 == c->count ? wl : wf}}, scratch);
  });
  return true;
}

namespace {

// The weight gradient as per-chunk sums, each in its own slice in the full chunks'
// weight layout (oneDNN's blocked one), added in chunk order and reordered to OIHW once.
// A reorder only moves floats, so these are the sums made in OIHW, bit for bit, on any
// number of threads, with one reorder instead of one per chunk.
class WeightGradSums {
 public:
  WeightGradSums(const Chunks& c, const ConvShape& s)
      : c_(c), sum_(c.full->weights), in_(s.g.c * s.g.plane()), out_(s.o * s.g.cols()), size_(s.o * s.g.rows()) {
    slice_ = sum_.same() ? size_ : static_cast<Index>(sum_.bytes() / sizeof(float));
    partial_ = Tensor<float>(Shape{c.count, slice_});
    auto& e = cpu_engine();
    if (c.last->weights.inner != sum_.inner)  // the last chunk's kernel chose another layout
      last_to_sum_ = dnnl::reorder(dnnl::reorder::primitive_desc(e, c.last->weights.inner, e, sum_.inner));
  }

  /// Chunk i's sum of gy_n (x) x_n into its slice; `scratch` holds the plan's scratch_bytes.
  void run(Index i, const float* gy, const float* x, char* scratch, ReorderedInputs* done = nullptr) {
    auto& e = cpu_engine();
    const Plan& p = c_.plan(i);
    const Index n0 = i * c_.per;
    memory mine(sum_.inner, e, partial_.data() + i * slice_);
    const bool direct = p.weights.inner == sum_.inner;
    memory dw = direct ? mine : memory(p.weights.inner, e, scratch);
    execute(p, {const_cast<float*>(x) + n0 * in_, const_cast<float*>(gy) + n0 * out_}, {{DNNL_ARG_DIFF_WEIGHTS, dw}},
            scratch + p.weights.bytes(), done);
    if (!direct) {
      dnnl::stream stream(e);
      last_to_sum_->execute(stream, dw, mine);
      stream.wait();
    }
  }

  /// The slices added in chunk order, into gw (OIHW).
  void finish(float* gw) {
    float* total = partial_.data();
    for (Index i = 1; i < c_.count; ++i)
      for (Index j = 0; j < slice_; ++j) total[j] += partial_.data()[i * slice_ + j];
    if (sum_.same()) {
      std::copy(total, total + size_, gw);
      return;
    }
    const OneOpenMpThread one;
    auto& e = cpu_engine();
    dnnl::stream stream(e);
    memory from(sum_.inner, e, total), to(sum_.user, e, gw);
    sum_.to_user.execute(stream, from, to);
    stream.wait();
  }

 private:
  const Chunks& c_;
  const Layout& sum_;
  Index in_, out_, size_, slice_ = 0;
  Tensor<float> partial_;
  std::optional<dnnl::reorder> last_to_sum_;
};

// Runs `first` (forward or backward data: operands `batch` per chunk, weights w) and the
// weight gradient of (gy, x) chunk by chunk, the second kernel reading the inputs the
// first reordered; false, having written nothing, unless oneDNN has kernels for both.
bool with_weight_grad(Op first, const std::array<const float*, 2>& batch, const float* w, const float* gy,
                      const float* x, float* gw, const ConvShape& s) {
  const auto a = chunks(first, false, s), b = chunks(Op::backward_weights, false, s);
  if (!a || !b) return false;
  std::vector<Tensor<float>> store;
  store.reserve(2);  // the memories below point into it
  const memory wf = weights_for(*a->full, w, store), wl = weights_for(*a->last, w, store);
  const bool fwd = first == Op::forward;
  const Index in = s.g.c * s.g.plane(), out = s.o * s.g.cols();
  const Index from = fwd ? in : out, to = fwd ? out : in;  // per image, of batch[0] and batch[1]
  WeightGradSums sums(*b, s);
  const std::size_t a_bytes = aligned(scratch_bytes(*a));
  for_each_chunk(*a, [&](Index i, char* scratch) {
    const Index n0 = i * a->per;
    ReorderedInputs done;
    execute(a->plan(i), {const_cast<float*>(batch[0]) + n0 * from, const_cast<float*>(batch[1]) + n0 * to},
            {{DNNL_ARG_WEIGHTS, i + 1 == a->count ? wl : wf}}, scratch, &done);
    sums.run(i, gy, x, scratch + a_bytes, &done);
  }, a_bytes + scratch_bytes(*b));
  sums.finish(gw);
  return true;
}

}  // namespace

bool dnnl_conv2d_backward_weight(const float* gy, const float* x, float* gw, const ConvShape& s) {
  const auto c = chunks(Op::backward_weights, false, s);
  if (!c) return false;
  WeightGradSums sums(*c, s);
  for_each_chunk(*c, [&](Index i, char* scratch) { sums.run(i, gy, x, scratch); });
  sums.finish(gw);
  return true;
}

bool dnnl_conv2d_backward(const float* gy, const float* x, const float* w, float* gx, float* gw, const ConvShape& s) {
  return with_weight_grad(Op::backward_data, {gy, gx}, w, gy, x, gw, s);
}

bool dnnl_conv2d_and_weight_grad(const float* x, const float* w, float* y, const float* gy, float* gw,
                                 const ConvShape& s) {
  return with_weight_grad(Op::forward, {x, y}, w, gy, x, gw, s);
}

// The floor's kernels (DnnlConvKernels): every operand in the plan's own layout, in one
// buffer per thread slot, except the weights read by every chunk (one copy per plan).
struct DnnlConvKernels::Impl {
  Chunks chunks;
  bool bias = false;
  Index o = 0;
  std::size_t slot_bytes = 0;
  Tensor<float> slots, weights_full, weights_last, bias_values;
};

namespace {

bool writes_weights(const Plan& p) { return p.weights_arg == DNNL_ARG_DIFF_WEIGHTS; }

std::size_t slot_bytes(const Plan& p) {
  std::size_t b = aligned(p.scratchpad.get_size());
  for (const auto& [arg, l] : p.batch) b += aligned(l.inner.get_size());
  return b + (writes_weights(p) ? aligned(p.weights.inner.get_size()) : 0);
}

Tensor<float> floats(std::size_t bytes) {
  return Tensor<float>::full(Shape{std::max<Index>(1, static_cast<Index>(bytes / sizeof(float)))}, 0.01f);
}

}  // namespace

DnnlConvKernels::DnnlConvKernels(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DnnlConvKernels::~DnnlConvKernels() = default;

std::unique_ptr<DnnlConvKernels> DnnlConvKernels::make(ConvPass pass, const ConvShape& s, bool bias) {
  const Op op = pass == ConvPass::forward      ? Op::forward
                : pass == ConvPass::input_grad ? Op::backward_data
                                               : Op::backward_weights;
  bias = bias && op == Op::forward;
  const auto c = chunks(op, bias, s);
  if (!c) return nullptr;
  auto m = std::make_unique<Impl>();
  m->chunks = *c, m->bias = bias, m->o = s.o;
  m->slot_bytes = aligned(std::max(slot_bytes(*c->full), slot_bytes(*c->last)));
  m->slots = floats(m->slot_bytes * thread_slots());
  m->weights_full = floats(c->full->weights.inner.get_size());
  m->weights_last = floats(c->last->weights.inner.get_size());
  m->bias_values = floats(s.o * sizeof(float));
  return std::make_unique<DnnlConvKernels>(std::move(m));
}

void DnnlConvKernels::run() {
  Impl& m = *impl_;
  const Chunks& c = m.chunks;
  parallel_for(0, c.count, 1, [&](Index lo, Index hi) {
    const OneOpenMpThread one;
    auto& e = cpu_engine();
    dnnl::stream stream(e);
    for (Index i = lo; i < hi; ++i) {
      const Plan& p = c.plan(i);
      char* at = reinterpret_cast<char*>(m.slots.data()) + thread_slot() * m.slot_bytes;
      const auto take = [&](const memory::desc& d) {
        memory mem(d, e, at);
        at += aligned(d.get_size());
        return mem;
      };
      std::unordered_map<int, memory> args;
      for (const auto& [arg, l] : p.batch) args[arg] = take(l.inner);
      if (writes_weights(p))
        args[p.weights_arg] = take(p.weights.inner);
      else
        args[p.weights_arg] = memory(p.weights.inner, e, (i + 1 == c.count ? m.weights_last : m.weights_full).data());
      if (m.bias) args[DNNL_ARG_BIAS] = memory(plain({m.o}, Tag::x), e, m.bias_values.data());
      if (p.scratchpad.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = take(p.scratchpad);
      p.kernel.execute(stream, args);
    }
    stream.wait();
  });
}

}  // namespace xgrad::core::detail
