#include "xgrad/core/detail/residual_plan.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "xgrad/core/detail/dnnl_common.hpp"

namespace xgrad::core::detail::residual {
namespace {

using Tag = memory::format_tag;

memory::desc f32(const memory::dims& d, Tag t) { return {d, memory::data_type::f32, t}; }

dnnl::reorder reorder(const memory::desc& from, const memory::desc& to) {
  auto& e = cpu_engine();
  return dnnl::reorder(dnnl::reorder::primitive_desc(e, from, e, to));
}

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

// `bias_grad`: whether the weight-gradient kernel sums the bias gradient too. The 1x1's
// did it slowly (DNNL_VERBOSE, 32 images: 86 us a call with it, 58 without). `data_grad`
// false: no input-gradient kernel (the head's: on a plain one-channel source oneDNN has
// only its reference kernel, 66 ms for 19 images; core's conv2d gives that gradient).
Conv make_conv(const ConvDescs& d, const memory::desc& oihw, const dnnl::post_ops& post, bool bias_grad,
               bool data_grad = true) {
  const Fwd::primitive_desc fwd = forward_pd(d, post), hint = forward_pd(d);
  const BwdWeights::primitive_desc bw(
      bias_grad ? BwdWeights::desc(kDirect, d.src, d.weights, d.bias, d.dst, d.strides, d.pad_l, d.pad_r)
                : BwdWeights::desc(kDirect, d.src, d.weights, d.dst, d.strides, d.pad_l, d.pad_r),
      attr(), cpu_engine(), hint);
  Conv c{Fwd(fwd), {}, BwdWeights(bw), weights(oihw, fwd.weights_desc()), {}, weights(oihw, bw.diff_weights_desc()),
         fwd.scratchpad_desc(), {}, bw.scratchpad_desc(), 0, bias_grad};
  if (data_grad) {
    const BwdData::primitive_desc bd(BwdData::desc(kDirect, d.src, d.weights, d.dst, d.strides, d.pad_l, d.pad_r),
                                     attr(), cpu_engine(), hint);
    c.backward_data = BwdData(bd), c.w_backward_data = weights(oihw, bd.weights_desc());
    c.pad_backward_data = bd.scratchpad_desc();
  }
  for (const auto& s : {c.pad_forward, c.pad_backward_data, c.pad_backward_weights})
    c.scratchpad = std::max(c.scratchpad, s.get_size());
  return c;
}

// oneDNN's right padding: what makes the output grid exact.
Index pad_right(Index in, Index out, Index k, Index stride, Index pad) { return (out - 1) * stride + k - in - pad; }

void add_stem(Plan& p, const ResidualShape& s) {
  const ResidualStemShape& t = s.stem;
  const memory::dims xd{s.n, t.c, t.h, t.w};
  p.has_stem = true;
  p.xs_user = f32(xd, t.rows ? Tag::nhwc : Tag::nchw), p.xs_blocked = f32(xd, Tag::nChw16c);
  p.xs_in = reorder(p.xs_user, p.xs_blocked), p.xs_out = reorder(p.xs_blocked, p.xs_user);
  p.stem = make_conv({p.xs_blocked, f32({s.c, t.c, t.kh, t.kw}, Tag::any), p.b1, p.x_blocked, {t.sh, t.sw},
                      {t.ph, t.pw}, {pad_right(t.h, s.h, t.kh, t.sh, t.ph), pad_right(t.w, s.w, t.kw, t.sw, t.pw)}},
                     f32({s.c, t.c, t.kh, t.kw}, Tag::oihw), {}, true);
  p.xs_bytes = aligned(p.xs_blocked.get_size());
}

// The head reads the caller's NCHW images in place (oneDNN's first-layer kernels take a
// plain source with few channels) and writes relu(conv + bias) into the stem's blocked input.
void add_head(Plan& p, const ResidualShape& s) {
  const ResidualHeadShape& t = s.head;
  const ResidualStemShape& o = s.stem;
  p.has_head = true;
  p.xh_user = f32({s.n, t.c, t.h, t.w}, Tag::nchw), p.bh = f32({o.c}, Tag::x);
  dnnl::post_ops relu;
  relu.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  p.head = make_conv({p.xh_user, f32({o.c, t.c, t.kh, t.kw}, Tag::any), p.bh, p.xs_blocked, {t.sh, t.sw}, {t.ph, t.pw},
                      {pad_right(t.h, o.h, t.kh, t.sh, t.ph), pad_right(t.w, o.w, t.kw, t.sw, t.pw)}},
                     f32({o.c, t.c, t.kh, t.kw}, Tag::oihw), relu, true, false);
}

// The tail is the input gradient of a convolution from its blocked output to the stack's
// (weights (C, C_tail, kh, kw): conv_transpose2d's (in, out) read as OIHW); its backward is
// that convolution's forward (the input gradient) and weight gradient, all on blocked
// operands. No bias in the kernels: the tail's relu pass adds it, its backward sums it.
void add_tail(Plan& p, const ResidualShape& s) {
  const ResidualTailShape& t = s.tail;
  const memory::dims td{s.n, t.c, t.h, t.w}, wd{s.c, t.c, t.kh, t.kw};
  p.has_tail = true;
  p.t_user = f32(td, Tag::nchw), p.t_blocked = f32(td, Tag::nChw16c);
  p.t_out = reorder(p.t_blocked, p.t_user), p.gt_in = reorder(p.t_user, p.t_blocked);
  p.tail = make_conv({p.t_blocked, f32(wd, Tag::any), {}, p.x_blocked, {t.sh, t.sw}, {t.ph, t.pw},
                      {pad_right(t.h, s.h, t.kh, t.sh, t.ph), pad_right(t.w, s.w, t.kw, t.sw, t.pw)}},
                     f32(wd, Tag::oihw), {}, false);
  p.t_bytes = aligned(p.t_blocked.get_size());
}

// The last deconvolution reads the caller's plain output gradient in place (a first-layer
// kernel, as the head's) and writes the tail's blocked gradient; its weight gradient reads
// that gradient and the tail's kept blocked output. No input-gradient kernel: its forward
// runs by core's conv_transpose2d on the tail's NCHW output.
void add_last(Plan& p, const ResidualShape& s) {
  const ResidualLastShape& l = s.last;
  const ResidualTailShape& t = s.tail;
  const memory::dims wd{t.c, l.c, l.kh, l.kw};
  p.has_last = true;
  p.l_user = f32({s.n, l.c, l.h, l.w}, Tag::nchw);
  p.last = make_conv({p.l_user, f32(wd, Tag::any), {}, p.t_blocked, {l.sh, l.sw}, {l.ph, l.pw},
                      {pad_right(l.h, t.h, l.kh, l.sh, l.ph), pad_right(l.w, t.w, l.kw, l.sw, l.pw)}},
                     f32(wd, Tag::oihw), {}, false, false);
}

Plan make_plan(const ResidualShape& s) {
  Plan p;
  const memory::dims xd{s.n, s.c, s.h, s.w}, hd{s.n, s.k, s.h, s.w};
  p.x_user = f32(xd, Tag::nchw), p.x_blocked = f32(xd, Tag::nChw16c), p.h_blocked = f32(hd, Tag::nChw16c);
  p.b3 = f32({s.k}, Tag::x), p.b1 = f32({s.c}, Tag::x);
  p.x_in = reorder(p.x_user, p.x_blocked), p.x_out = reorder(p.x_blocked, p.x_user);
  p.y_user = s.channels_last ? f32(xd, Tag::nhwc) : p.x_user;
  p.y_out = reorder(p.x_blocked, p.y_user), p.gy_in = reorder(p.y_user, p.x_blocked);
  dnnl::post_ops relu, sum;
  relu.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  sum.append_sum(1.f);
  p.conv3 = make_conv({p.x_blocked, f32({s.k, s.c, 3, 3}, Tag::any), p.b3, p.h_blocked, {1, 1}, {1, 1}, {1, 1}},
                      f32({s.k, s.c, 3, 3}, Tag::oihw), relu, true);
  p.conv1 = make_conv({p.h_blocked, f32({s.c, s.k, 1, 1}, Tag::any), p.b1, p.x_blocked, {1, 1}, {0, 0}, {0, 0}},
                      f32({s.c, s.k, 1, 1}, Tag::oihw), sum, false);
  p.x_bytes = aligned(p.x_blocked.get_size()), p.h_bytes = aligned(p.h_blocked.get_size());
  if (s.stem.c > 0) add_stem(p, s);
  if (s.stem.c > 0 && s.head.c > 0) add_head(p, s);
  if (s.tail.c > 0) add_tail(p, s);
  if (s.tail.c > 0 && s.last.c > 0) add_last(p, s);
  return p;
}

// Plans live for the whole program, one per shape (every block of a stack has the same);
// a shape oneDNN fails on is remembered.
const Plan* find_plan(const ResidualShape& s) {
  static std::mutex mu;
  static std::map<std::array<Index, 43>, std::optional<Plan>> plans;
  const ResidualStemShape& t = s.stem;
  const ResidualHeadShape& u = s.head;
  const ResidualTailShape& v = s.tail;
  const ResidualLastShape& l = s.last;
  const std::array<Index, 43> key{s.n,  s.c,  s.k,  s.h,  s.w,  t.c,  t.h,  t.w,  t.kh, t.kw, t.sh, t.sw,
                                  t.ph, t.pw, s.channels_last, t.rows, u.c, u.h, u.w, u.kh, u.kw, u.sh,
                                  u.sw, u.ph, u.pw, v.c,  v.h,  v.w,  v.kh, v.kw, v.sh, v.sw, v.ph, v.pw,
                                  l.c,  l.h,  l.w,  l.kh, l.kw, l.sh, l.sw, l.ph, l.pw};
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

}  // namespace

std::optional<Chunks> chunks(const ResidualShape& s) {
  if (s.n == 0 || s.c % 16 != 0 || s.k % 16 != 0 || s.stem.c % 16 != 0 || s.tail.c % 16 != 0) return std::nullopt;
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

ChunkWeights::ChunkWeights(const Chunks& c, const ResidualPointers& b, bool forward) {
    store.reserve(4);  // the memories point into it
    for (int j = 0; j < 2; ++j) {
      const Plan& p = j == 0 ? *c.full : *c.last;
      w3[j] = inner_weights(forward ? p.conv3.w_forward : p.conv3.w_backward_data, b.w3, store);
      w1[j] = inner_weights(forward ? p.conv1.w_forward : p.conv1.w_backward_data, b.w1, store);
    }
  }

StemWeights::StemWeights(const Chunks& c, const float* oihw, bool forward, Conv Plan::*conv) {
    store.reserve(2);  // the memories point into it
    if (!oihw) return;
    for (int j = 0; j < 2; ++j) {
      const Conv& k = (j == 0 ? *c.full : *c.last).*conv;
      w[j] = inner_weights(forward ? k.w_forward : k.w_backward_data, oihw, store);
    }
  }

std::vector<ChunkWeights> chunk_weights(const Chunks& c, const std::vector<ResidualPointers>& blocks, bool forward) {
  std::vector<ChunkWeights> w;
  w.reserve(blocks.size());
  for (const ResidualPointers& b : blocks) w.emplace_back(c, b, forward);
  return w;
}

}  // namespace xgrad::core::detail::residual
