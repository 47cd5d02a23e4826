#include "xgrad/core/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "xgrad/core/blas.hpp"
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/random.hpp"

namespace xgrad::core {
namespace {

using detail::Batch;
using detail::kLanes;

struct Dims {
  Index B = 0, H = 0, Lq = 0, Lk = 0, d = 0, dv = 0;
  Index entries() const { return B * H; }
};

// Where an operand's rows live: row i of entry e = (b, h) starts at
// data + b * sb + h * sh + i * ld. Split heads (B, H, L, c) are {H L c, L c, c}; heads
// read in place from a (B, L, heads * c) projection are {L w, c, w} for its row width w.
struct Layout {
  Index sb = 0, sh = 0, ld = 0;
  template <class P>
  P* at(P* data, Index e, Index H) const {
    return data + (e / H) * sb + (e % H) * sh;
  }
};

Layout split_layout(Index H, Index L, Index c) { return {H * L * c, L * c, c}; }

// The four operands' layouts: q (and dq), k (and dk), v (and dv), and O (and dO).
struct Layouts {
  Layout q, k, v, o;
};

Layouts split_layouts(const Dims& n) {
  return {split_layout(n.H, n.Lq, n.d), split_layout(n.H, n.Lk, n.d), split_layout(n.H, n.Lk, n.dv),
          split_layout(n.H, n.Lq, n.dv)};
}

// An attention mask read for entry (b, h) and query row i, broadcast to (B, H, Lq, Lk):
// element j of the row is at row(b, h, i)[j * sj] (strides 0 along broadcast axes).
template <class T>
struct MaskView {
  const T* data = nullptr;
  Index sb = 0, sh = 0, si = 0, sj = 0;
  const T* row(Index b, Index h, Index i) const { return data + b * sb + h * sh + i * si; }
};

template <class T>
MaskView<T> view_mask(const Tensor<T>& m, const Dims& n) {
  MaskView<T> w;
  if (!m.defined()) return w;
  const Index full[4] = {n.B, n.H, n.Lq, n.Lk};
  if (m.dim() < 1 || m.dim() > 4) detail::fail("attention: attn_mask {} must have 1 to 4 dimensions", m.shape());
  Index stride[4] = {0, 0, 0, 0};
  Index s = 1;
  for (int a = 3, ma = m.dim() - 1; ma >= 0; --a, --ma) {
    if (m.size(ma) != full[a] && m.size(ma) != 1)
      detail::fail("attention: attn_mask {} does not broadcast to (B, H, Lq, Lk) = ({}, {}, {}, {})", m.shape(), n.B,
                   n.H, n.Lq, n.Lk);
    stride[a] = m.size(ma) == 1 ? 0 : s;
    s *= m.size(ma);
  }
  w.data = m.data();
  w.sb = stride[0], w.sh = stride[1], w.si = stride[2], w.sj = stride[3];
  return w;
}

template <class T>
Dims check(const Tensor<T>& q, const Tensor<T>& k, const Tensor<T>& v, const AttentionConfig<T>& cfg) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
    detail::fail("attention: q {}, k {} and v {} must be (B, H, L, d)", q.shape(), k.shape(), v.shape());
  const Dims n{q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), v.size(3)};
  if (k.size(0) != n.B || k.size(1) != n.H || k.size(3) != n.d || v.size(0) != n.B || v.size(1) != n.H ||
      v.size(2) != n.Lk)
    detail::fail("attention: q {}, k {} and v {} do not fit (B, H, Lq, d), (B, H, Lk, d), (B, H, Lk, dv)", q.shape(),
                 k.shape(), v.shape());
  if (cfg.key_padding.defined() && cfg.key_padding.shape() != Shape{n.B, n.Lk})
    detail::fail("attention: key_padding {} must be (B, Lk) = ({}, {})", cfg.key_padding.shape(), n.B, n.Lk);
  if (!(cfg.dropout >= T(0) && cfg.dropout < T(1)))
    detail::fail<ValueError>("attention: dropout {} is outside [0, 1)", cfg.dropout);
  return n;
}

// OpenBLAS's small-matrix kernels (no packing) serve products of up to about 2^19
// multiply-adds on this build; above that its packed kernels took ~1.4x longer for one
// entry's (256, 256, 32) products (bench/README.md, attention at seq 256).
constexpr Index kSmallGemmWork = Index(1) << 19;

// One entry's product on the calling thread (the entries already run in parallel): in
// blocks of rows that the small-matrix kernels serve, or whole when such blocks would be
// thinner than 32 rows. The blocks depend on the shape alone.
template <class T>
void entry_gemm(bool ta, bool tb, Index m, Index n, Index k, T alpha, const T* a, Index lda, const T* b, Index ldb,
                T beta, T* c, Index ldc) {
  const Index rows = kSmallGemmWork / std::max<Index>(n * k, 1) / 16 * 16;
  if (m == 0 || n == 0 || k == 0) return detail::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (rows < 32 || rows >= m) return detail::blas_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  for (Index i0 = 0; i0 < m; i0 += rows)
    detail::blas_gemm(ta, tb, std::min(rows, m - i0), n, k, alpha, ta ? a + i0 : a + i0 * lda, lda, b, ldb, beta,
                      c + i0 * ldc, ldc);
}


// Rows of a causal entry's blocks: about a quarter of the queries, in whole 16s, so that
// (with four blocks) 3/8 of the products are skipped while each stays a product of 16 rows
// or more. Causal forward+backward, (32, 4, L, 32), loaded, medians (ms): at L 64 (scores
// nt), blocks of 8 / 16 / 64 (one) rows 4.14 / 3.69 / 4.84 at 1 thread, 2.59 / 1.55 / 1.84
// at 2; at L 256, 32 / 64 / 256 rows 36.9 / 35.5 / 43.2 (bench/results/ab-2026-12-04-tvae-s14.md).
inline Index causal_block_rows(Index Lq) { return std::max<Index>(16, (Lq + 63) / 64 * 16); }

// Everything a worker needs to build one entry's probabilities.
template <class T>
struct Plan {
  Dims n;
  T scale;
  const AttentionConfig<T>& cfg;
  MaskView<T> mask;

  Plan(const Dims& dims, const AttentionConfig<T>& c)
      : n(dims), scale(c.scale != T(0) ? c.scale : T(1) / std::sqrt(static_cast<T>(dims.d))), cfg(c),
        mask(view_mask(c.attn_mask, dims)) {}

  // Keys a row may see before the masks: the causal bound.
  Index visible(Index i) const {
    return cfg.causal ? std::clamp<Index>(i + n.Lk - n.Lq + 1, 0, n.Lk) : n.Lk;
  }
  // The columns the row passes of the softmax visit: the visible ones rounded up to whole
  // SIMD batches (a padded partial batch costs more than a whole one; the -inf scores it
  // takes in give zeros, as before).
  Index active(Index i) const {
    const Index v = visible(i);
    return v == n.Lk ? v : std::min(n.Lk, (v + kLanes<T> - 1) / kLanes<T> * kLanes<T>);
  }
  // Causal entries run their products in blocks of rows, each over the keys its rows can
  // see (or, for the products summed over queries, in blocks of keys over the queries that
  // see them): the blocks wholly above the diagonal are zeros of P and dS and need no
  // product. Skipped terms are exact zeros, so the visible entries keep their values.
  // Other entries are one block. The blocks depend on the shape alone.
  Index block(Index len) const { return cfg.causal ? causal_block_rows(n.Lq) : std::max<Index>(len, 1); }
  // f(i0, i1, cols) for each block of query rows [i0, i1) and the columns its rows read
  // (the last row's active ones: the row passes below read no further).
  template <class F>
  void row_blocks(F&& f) const {
    const Index rb = block(n.Lq);
    for (Index i0 = 0; i0 < n.Lq; i0 += rb) {
      const Index i1 = std::min(n.Lq, i0 + rb);
      f(i0, i1, cfg.causal ? active(i1 - 1) : n.Lk);
    }
  }
  // f(j0, j1, first) for each block of keys [j0, j1) and the first query that sees key j0
  // (the queries before it have zeros of P and dS there).
  template <class F>
  void key_blocks(F&& f) const {
    const Index kb = block(n.Lk);
    for (Index j0 = 0; j0 < n.Lk; j0 += kb)
      f(j0, std::min(n.Lk, j0 + kb), cfg.causal ? std::clamp<Index>(j0 - (n.Lk - n.Lq), 0, n.Lq) : Index(0));
  }
  // Sets the masked scores of row i of entry (b, h) to -inf.
  void mask_row(T* s, Index b, Index h, Index i) const {
    constexpr T ninf = -std::numeric_limits<T>::infinity();
    const Index vis = visible(i);
    std::fill(s + vis, s + n.Lk, ninf);
    if (cfg.key_padding.defined()) {
      const T* kp = cfg.key_padding.data() + b * n.Lk;
      for (Index j = 0; j < vis; ++j)
        if (kp[j] != T(0)) s[j] = ninf;
    }
    if (mask.data) {
      const T* m = mask.row(b, h, i);
      for (Index j = 0; j < vis; ++j)
        if (m[j * mask.sj] != T(0)) s[j] = ninf;
    }
  }
  // S = scale Q K^T of entry e into s (Lq, Lk), masked; ldq, ldk: the rows' strides;
  // kt: room for K^T (d, Lk).
  void scores(T* s, const T* q, Index ldq, const T* k, Index ldk, T* kt, Index e) const;
};

// C (Lq, Lk) = alpha A B^T for A (Lq, k) and B (Lk, k) with rows lda, ldb apart, by the
// plan's row blocks (C past a block's columns is left unwritten); bt: room for B^T (k, Lk).
// Products nn against B^T copied once by OpenBLAS's omatcopy: the nt small kernel ran k = 32
// ~1.4x slower (bench/README.md), and paid for each of a causal entry's 16-row blocks nearly
// what it pays for the whole. An element loop for the copy had made it a loss at 64 rows
// (3.6 % of the Transformer VAE step, session 13); omatcopy is ~2.7x faster than that loop.
// Packed (32, 64, 3 x 128), 4 heads, loaded, CPU medians of 4 rounds (ms), nt against the
// copy: unmasked 3.83 / 4.03 / 3.53 / 4.25 against 3.49 / 3.42 / 3.12 / 3.53 at 1 thread,
// 1.74 / 1.77 / 1.74 / 1.75 against 1.56 / 1.55 / 1.57 / 1.55 at 2
// (bench/results/ab-2026-12-04-tvae-s14.md).
template <class T>
void product_with_transposed(const Plan<T>& plan, Index k, T alpha, const T* a, Index lda, const T* b, Index ldb,
                             T* bt, T* c) {
  const Index n = plan.n.Lk;
  blas::transpose(n, k, b, ldb, bt, n);
  plan.row_blocks([&](Index i0, Index i1, Index cols) {
    entry_gemm(false, false, i1 - i0, cols, k, alpha, a + i0 * lda, lda, bt, n, T(0), c + i0 * n, n);
  });
}

template <class T>
void Plan<T>::scores(T* s, const T* q, Index ldq, const T* k, Index ldk, T* kt, Index e) const {
  product_with_transposed(*this, n.d, scale, q, ldq, k, ldk, kt, s);
  for (Index i = 0; i < n.Lq; ++i) mask_row(s + i * n.Lk, e / n.H, e % n.H, i);
}

// C (Lq, c) = alpha X Y + beta C for X (Lq, Lk) (P or dS, rows Lk apart) and Y (Lk, c),
// each row block over the keys it sees: O = P V and dQ = scale dS K.
template <class T>
void rows_times_keys(const Plan<T>& plan, Index c, T alpha, const T* x, const T* y, Index ldy, T beta, T* out,
                     Index ldo) {
  const Index Lk = plan.n.Lk;
  plan.row_blocks([&](Index i0, Index i1, Index cols) {
    entry_gemm(false, false, i1 - i0, c, cols, alpha, x + i0 * Lk, Lk, y, ldy, beta, out + i0 * ldo, ldo);
  });
}

// C (Lk, c) = alpha X^T Y + beta C for X (Lq, Lk) and Y (Lq, c), each key block summed over
// the queries that see it: dV = P^T dO and dK = scale dS^T Q.
template <class T>
void keys_times_rows(const Plan<T>& plan, Index c, T alpha, const T* x, const T* y, Index ldy, T beta, T* out,
                     Index ldo) {
  const Index Lq = plan.n.Lq, Lk = plan.n.Lk;
  plan.key_blocks([&](Index j0, Index j1, Index first) {
    entry_gemm(true, false, j1 - j0, c, Lq - first, alpha, x + first * Lk + j0, Lk, y + first * ldy, ldy, beta,
               out + j0 * ldo, ldo);
  });
}

template <class T>
T row_max(const T* s, Index n) {
  Batch<T> m(-std::numeric_limits<T>::infinity());
  Index j = 0;
  for (; j + kLanes<T> <= n; j += kLanes<T>) m = xsimd::max(m, detail::load(s, j));
  alignas(64) T lanes[kLanes<T>];
  m.store_aligned(lanes);
  for (Index w = kLanes<T> / 2; w >= 1; w /= 2)  // a tree: a max is exact in any order
    for (Index l = 0; l < w; ++l) lanes[l] = std::max(lanes[l], lanes[l + w]);
  T r = lanes[0];
  for (; j < n; ++j) r = std::max(r, s[j]);
  return r;
}

// s = exp(s - shift) in place (the partial tail goes through the same SIMD code padded).
template <class T>
void exp_row(T* s, Index n, T shift) {
  detail::map_range(s, n, [sh = Batch<T>(shift)](auto x) { return xsimd::exp(x - sh); }, static_cast<const T*>(s));
}

// s = exp(s - shift) in place, returning the sum of the new values: one pass, the
// lanes summed as a tree (a row of 64 spent as long on a lane-by-lane sum as on its exps).
template <class T>
T exp_row_sum(T* s, Index n, T shift) {
  const Batch<T> sh(shift);
  Batch<T> acc(T(0));
  detail::for_each_batch<T>(0, n, [&](const auto& at) {
    const Batch<T> e = xsimd::exp(at.load(static_cast<const T*>(s)) - sh);
    at.store(s, e);
    acc += at.load(static_cast<const T*>(s));  // the padded lanes of a partial batch load as zeros
  });
  return xsimd::hadd(acc);
}

// The row passes below stop at the causal bound (Plan::active): the columns past it hold
// -inf scores, hence zeros of P, and need neither an exp nor a place in the sum. The
// visible columns keep their bits (the max is exact; the sum's lanes only miss terms that
// were zeros).

// Softmax of each masked score row of an entry in place; lse[i] = log-sum-exp (-inf: all
// masked, zeros).
template <class T>
void softmax_rows(T* s, T* lse, const Plan<T>& plan) {
  const Index cols = plan.n.Lk;
  for (Index i = 0; i < plan.n.Lq; ++i, s += cols) {
    const Index vis = plan.active(i);
    std::fill(s + vis, s + cols, T(0));
    const T m = row_max(s, vis);
    if (m == -std::numeric_limits<T>::infinity()) {
      std::fill(s, s + vis, T(0));
      lse[i] = m;
      continue;
    }
    const T sum = exp_row_sum(s, vis, m);
    detail::map_range(s, vis, [inv = Batch<T>(T(1) / sum)](auto x) { return x * inv; }, static_cast<const T*>(s));
    lse[i] = m + std::log(sum);
  }
}

// P again from an entry's masked scores and the saved log-sum-exps.
template <class T>
void probs_from_lse(T* s, const T* lse, const Plan<T>& plan) {
  const Index cols = plan.n.Lk;
  for (Index i = 0; i < plan.n.Lq; ++i, s += cols) {
    const Index vis = plan.active(i);
    std::fill(s + vis, s + cols, T(0));
    if (lse[i] == -std::numeric_limits<T>::infinity())
      std::fill(s, s + vis, T(0));
    else
      exp_row(s, vis, lse[i]);
  }
}

// The dropout keep-mask of entry e, drawn row-major from its own stream: multiplies
// x (Lq * Lk) by keep / (1 - p) in place. Each 64-bit draw decides two weights (32 bits
// each, dropped below p * 2^32): the draws were a fifth of a Transformer layer's step.
template <class T>
void apply_dropout(T* x, Index count, const AttentionConfig<T>& cfg, Index e) {
  Generator gen(cfg.dropout_seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(cfg.dropout_first_entry + e));
  const auto threshold = static_cast<std::uint64_t>(static_cast<double>(cfg.dropout) * 4294967296.0);
  const T keep_scale = T(1) / (T(1) - cfg.dropout);
  auto decide = [&](T& v, std::uint64_t bits) { v = bits < threshold ? T(0) : v * keep_scale; };
  Index i = 0;
  for (; i + 1 < count; i += 2) {
    const std::uint64_t r = gen.next_u64();
    decide(x[i], r & 0xffffffffULL);
    decide(x[i + 1], r >> 32);
  }
  if (i < count) decide(x[i], gen.next_u64() & 0xffffffffULL);
}

// Entries per task: each should carry tens of microseconds of GEMM work.
Index entry_grain(const Dims& n) {
  const double work = static_cast<double>(n.Lq) * static_cast<double>(n.Lk) * static_cast<double>(n.d + n.dv + 8);
  return std::max<Index>(1, static_cast<Index>(262144.0 / std::max(work, 1.0)));
}

// Buffers per thread slot, allocated before the loop: two (Lq, Lk) (P or the dropped P,
// and dP) and room for a transposed operand, (max(d, dv), Lk). A tensor, so the caching
// allocator serves it again on the next call.
enum ScratchRole { kScores, kWork, kTransposed };

template <class T>
struct Scratch {
  Index LL, per_slot;
  Tensor<T> buf;
  explicit Scratch(const Dims& n)
      : LL(n.Lq * n.Lk), per_slot(2 * LL + std::max(n.d, n.dv) * n.Lk), buf(Shape{per_slot * thread_slots()}) {}
  T* get(ScratchRole role) { return buf.data() + thread_slot() * per_slot + role * LL; }
};

// The forward over every entry, reading q, k, v and writing O through their layouts.
template <class T>
void forward_entries(const Dims& n, const Layouts& l, const T* q, const T* k, const T* v, T* out,
                     const AttentionConfig<T>& cfg, AttentionSaved<T>& saved) {
  const Plan<T> plan(n, cfg);
  const Index LL = n.Lq * n.Lk;
  saved.lse = Tensor<T>(Shape{n.B, n.H, n.Lq});
  const bool keep = cfg.save == AttentionSave::Probs;
  saved.probs = keep ? Tensor<T>(Shape{n.B, n.H, n.Lq, n.Lk}) : Tensor<T>();
  const bool drop = cfg.dropout > T(0);
  Scratch<T> scratch(n);
  parallel_for(0, n.entries(), entry_grain(n), [&](Index lo, Index hi) {
    for (Index e = lo; e < hi; ++e) {
      T* p = keep ? saved.probs.data() + e * LL : scratch.get(kScores);
      plan.scores(p, l.q.at(q, e, n.H), l.q.ld, l.k.at(k, e, n.H), l.k.ld, scratch.get(kTransposed), e);
      softmax_rows(p, saved.lse.data() + e * n.Lq, plan);
      const T* pv = p;
      if (drop) {
        T* pd = scratch.get(kWork);
        std::copy(p, p + LL, pd);
        apply_dropout(pd, LL, cfg, e);
        pv = pd;
      }
      rows_times_keys(plan, n.dv, T(1), pv, l.v.at(v, e, n.H), l.v.ld, T(0), l.o.at(out, e, n.H), l.o.ld);
    }
  });
}

}  // namespace

template <class T>
Tensor<T> attention_forward(const Tensor<T>& q, const Tensor<T>& k, const Tensor<T>& v, const AttentionConfig<T>& cfg,
                            AttentionSaved<T>& saved) {
  const Dims n = check(q, k, v, cfg);
  Tensor<T> out(Shape{n.B, n.H, n.Lq, n.dv});
  forward_entries(n, split_layouts(n), q.data(), k.data(), v.data(), out.data(), cfg, saved);
  return out;
}

namespace {

// dS = P (dP - D) in place over dp, with D_i = dO_i . O_i (rows of dO and O ld apart);
// zeros past the causal bound, where P is zero.
template <class T>
void softmax_backward_rows(T* dp, const T* p, const T* go, const T* o, const Plan<T>& plan, Index ld) {
  const Index cols = plan.n.Lk, dv = plan.n.dv;
  for (Index i = 0; i < plan.n.Lq; ++i, dp += cols, p += cols, go += ld, o += ld) {
    Batch<T> lanes(T(0));  // D_i in SIMD lanes: a scalar loop was one dependent chain of dv adds
    detail::for_each_batch<T>(0, dv, [&](const auto& at) { lanes = xsimd::fma(at.load(go), at.load(o), lanes); });
    const T dot = xsimd::hadd(lanes);
    const Index vis = plan.active(i);
    detail::map_range(dp, vis, [d = Batch<T>(dot)](auto g, auto pr) { return pr * (g - d); },
                      static_cast<const T*>(dp), p);
    std::fill(dp + vis, dp + cols, T(0));
  }
}

// Gradient outputs, each null or written through its operand's layout (added into when add).
template <class T>
struct Grads {
  T *dq = nullptr, *dk = nullptr, *dv = nullptr;
  bool add_dq = false, add_dk = false, add_dv = false;
};

// The backward over every entry; gy and out share O's layout.
template <class T>
void backward_entries(const Dims& n, const Layouts& l, const T* gy, const T* q, const T* k, const T* v, const T* out,
                      const AttentionConfig<T>& cfg, const AttentionSaved<T>& saved, const Grads<T>& g) {
  const Plan<T> plan(n, cfg);
  const Index LL = n.Lq * n.Lk;
  const bool keep = saved.probs.defined(), drop = cfg.dropout > T(0);
  Scratch<T> scratch(n);
  parallel_for(0, n.entries(), entry_grain(n), [&](Index lo, Index hi) {
    for (Index e = lo; e < hi; ++e) {
      const T *qe = l.q.at(q, e, n.H), *ke = l.k.at(k, e, n.H), *ve = l.v.at(v, e, n.H);
      const T* ge = l.o.at(gy, e, n.H);
      const T* p = keep ? saved.probs.data() + e * LL : nullptr;
      if (!keep) {
        T* s = scratch.get(kScores);
        plan.scores(s, qe, l.q.ld, ke, l.k.ld, scratch.get(kTransposed), e);
        probs_from_lse(s, saved.lse.data() + e * n.Lq, plan);
        p = s;
      }
      T* w = scratch.get(kWork);
      if (g.dv) {  // dV = dropout(P)^T dO
        const T* pd = p;
        if (drop) {
          std::copy(p, p + LL, w);
          apply_dropout(w, LL, cfg, e);
          pd = w;
        }
        keys_times_rows(plan, n.dv, T(1), pd, ge, l.o.ld, g.add_dv ? T(1) : T(0), l.v.at(g.dv, e, n.H), l.v.ld);
      }
      if (!g.dq && !g.dk) continue;
      product_with_transposed(plan, n.dv, T(1), ge, l.o.ld, ve, l.v.ld, scratch.get(kTransposed), w);  // dO V^T
      if (drop) apply_dropout(w, LL, cfg, e);
      softmax_backward_rows(w, p, ge, l.o.at(out, e, n.H), plan, l.o.ld);
      if (g.dq)
        rows_times_keys(plan, n.d, plan.scale, w, ke, l.k.ld, g.add_dq ? T(1) : T(0), l.q.at(g.dq, e, n.H), l.q.ld);
      if (g.dk)
        keys_times_rows(plan, n.d, plan.scale, w, qe, l.q.ld, g.add_dk ? T(1) : T(0), l.k.at(g.dk, e, n.H), l.k.ld);
    }
  });
}

template <class T>
T* data_or_null(Tensor<T>* t) {
  return t ? t->data() : nullptr;
}

// (B, L, 3 E) into the dims and in-place layouts of its q, k, v column blocks and of O (B, L, E).
template <class T>
std::pair<Dims, Layouts> packed(const Tensor<T>& qkv, Index heads, const AttentionConfig<T>& cfg) {
  if (qkv.dim() != 3 || heads <= 0 || qkv.size(2) % (3 * heads) != 0)
    detail::fail("attention: packed qkv {} must be (B, L, 3 E) with E a multiple of {} heads", qkv.shape(), heads);
  const Index B = qkv.size(0), L = qkv.size(1), E = qkv.size(2) / 3, c = E / heads;
  const Dims n{B, heads, L, L, c, c};
  if (cfg.key_padding.defined() && cfg.key_padding.shape() != Shape{B, L})
    detail::fail("attention: key_padding {} must be (B, Lk) = ({}, {})", cfg.key_padding.shape(), B, L);
  if (!(cfg.dropout >= T(0) && cfg.dropout < T(1)))
    detail::fail<ValueError>("attention: dropout {} is outside [0, 1)", cfg.dropout);
  const Layout in{L * 3 * E, c, 3 * E};
  return {n, {in, in, in, {L * E, c, E}}};
}

}  // namespace

template <class T>
void attention_backward(const Tensor<T>& gy, const Tensor<T>& q, const Tensor<T>& k, const Tensor<T>& v,
                        const Tensor<T>& out, const AttentionConfig<T>& cfg, const AttentionSaved<T>& saved,
                        Tensor<T>* dq, bool add_dq, Tensor<T>* dk, bool add_dk, Tensor<T>* dv, bool add_dv) {
  const Dims n = check(q, k, v, cfg);
  if (gy.shape() != out.shape()) detail::fail("attention_backward: gradient {} for an output {}", gy.shape(), out.shape());
  backward_entries(n, split_layouts(n), gy.data(), q.data(), k.data(), v.data(), out.data(), cfg, saved,
                   Grads<T>{data_or_null(dq), data_or_null(dk), data_or_null(dv), add_dq, add_dk, add_dv});
}

template <class T>
Tensor<T> attention_packed_forward(const Tensor<T>& qkv, Index heads, const AttentionConfig<T>& cfg,
                                   AttentionSaved<T>& saved) {
  const auto [n, l] = packed(qkv, heads, cfg);
  Tensor<T> out(Shape{n.B, n.Lq, n.H * n.dv});
  const Index E = n.H * n.d;
  forward_entries(n, l, qkv.data(), qkv.data() + E, qkv.data() + 2 * E, out.data(), cfg, saved);
  return out;
}

template <class T>
void attention_packed_backward(const Tensor<T>& gy, const Tensor<T>& qkv, const Tensor<T>& out, Index heads,
                               const AttentionConfig<T>& cfg, const AttentionSaved<T>& saved, Tensor<T>& dqkv,
                               bool add) {
  const auto [n, l] = packed(qkv, heads, cfg);
  if (gy.shape() != out.shape() || dqkv.shape() != qkv.shape())
    detail::fail("attention_backward: gradients {} and {} for an output {} and input {}", gy.shape(), dqkv.shape(),
                 out.shape(), qkv.shape());
  const Index E = n.H * n.d;
  const T* x = qkv.data();
  T* d = dqkv.data();
  // dq, dk and dv fill disjoint column blocks of one buffer.
  backward_entries(n, l, gy.data(), x, x + E, x + 2 * E, out.data(), cfg, saved, Grads<T>{d, d + E, d + 2 * E, add, add, add});
}

#define XGRAD_INSTANTIATE(T)                                                                                       \
  template Tensor<T> attention_forward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,                    \
                                          const AttentionConfig<T>&, AttentionSaved<T>&);                          \
  template void attention_backward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,      \
                                      const Tensor<T>&, const AttentionConfig<T>&, const AttentionSaved<T>&,       \
                                      Tensor<T>*, bool, Tensor<T>*, bool, Tensor<T>*, bool);                       \
  template Tensor<T> attention_packed_forward<T>(const Tensor<T>&, Index, const AttentionConfig<T>&,             \
                                                 AttentionSaved<T>&);                                            \
  template void attention_packed_backward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, Index,        \
                                             const AttentionConfig<T>&, const AttentionSaved<T>&, Tensor<T>&, bool);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
