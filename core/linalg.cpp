#include "xgrad/core/linalg.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

// Elements a task of the bias's copy or sum should carry (memory-bound, as the cheap
// element-wise ops' grain).
constexpr Index kCopyGrain = 32768;

// Where each batch entry's matrix starts in an operand, in elements: entry i at
// i * stride (0: one matrix shared by every entry), or listed when the operand's batch
// is broadcast along some dimensions only ((B, 1) against (1, C)).
struct Walk {
  Index stride = 0;
  std::vector<Index> listed;
  Index operator[](Index i) const { return listed.empty() ? i * stride : listed[static_cast<std::size_t>(i)]; }
  bool uniform() const { return listed.empty(); }
};

// op(a) @ op(b) as BLAS sees it: one 2-D product, or `batch` entries over the broadcast
// batch dimensions `batch_shape`. A 1-D a is a row (1, k) and a 1-D b a column (k, 1),
// whose length-1 axis is left out of `out`, as torch.matmul does.
struct Product {
  bool batched = false;
  Index batch = 1, m = 0, n = 0, k = 0;
  Index a_size = 0, b_size = 0, lda = 0, ldb = 0;  // elements of one operand matrix, leading dimensions
  bool ta = false, tb = false;
  Walk a, b;
  Shape batch_shape, out;
};

std::string operand(const Shape& s, bool transposed) { return transposed ? s.str() + "^T" : s.str(); }

Shape leading(const Shape& s, int drop) { return Shape(s.begin(), s.end() - std::min(drop, s.rank())); }

// How an operand with batch dimensions `s` (of matrices of `size` elements) is read
// for each entry of the broadcast batch `to`.
Walk walk(const Shape& s, const Shape& to, Index size) {
  Walk w;
  const Index count = s.numel(), entries = to.numel();
  if (count == 1) return w;  // no batch, or all ones: the same matrix every time
  if (count == entries) {    // nothing broadcast: entries follow each other
    w.stride = size;
    return w;
  }
  const int r = to.rank();
  const auto cs = contiguous_strides(s);
  std::array<Index, Shape::kMaxRank> stride{}, idx{};
  for (int i = 0; i < r; ++i) {
    const int j = i - (r - s.rank());
    stride[i] = (j >= 0 && s[j] != 1) ? cs[static_cast<std::size_t>(j)] * size : 0;
  }
  w.listed.resize(static_cast<std::size_t>(entries));
  Index off = 0;
  for (Index e = 0; e < entries; ++e) {
    w.listed[static_cast<std::size_t>(e)] = off;
    for (int d = r - 1; d >= 0; --d) {  // odometer over the batch dimensions
      off += stride[d];
      if (++idx[d] < to[d]) break;
      off -= stride[d] * to[d];
      idx[d] = 0;
    }
  }
  return w;
}

template <class T>
Product plan(const char* op, const Tensor<T>& a, const Tensor<T>& b, Trans ta, Trans tb) {
  Product p;
  p.ta = ta == Trans::Yes;
  p.tb = tb == Trans::Yes;
  const int ra = a.dim(), rb = b.dim();
  if (ra < 1 || rb < 1)
    detail::fail("{}: operands must have at least 1 dimension, got shapes {} and {}", op, a.shape(), b.shape());
  if ((ra == 1 && p.ta) || (rb == 1 && p.tb))
    detail::fail("{}: a 1-D operand cannot be transposed, got shapes {} and {}", op, operand(a.shape(), p.ta),
                 operand(b.shape(), p.tb));
  const Index a_rows = ra == 1 ? 1 : a.size(-2), a_cols = a.size(-1);
  const Index b_rows = rb == 1 ? b.size(0) : b.size(-2), b_cols = rb == 1 ? 1 : b.size(-1);
  p.m = p.ta ? a_cols : a_rows;
  p.k = p.ta ? a_rows : a_cols;
  p.n = p.tb ? b_rows : b_cols;
  const Index kb = p.tb ? b_cols : b_rows;
  if (p.k != kb)
    detail::fail("{}: shapes {} and {} do not fit (inner dimensions {} and {})", op, operand(a.shape(), p.ta),
                 operand(b.shape(), p.tb), p.k, kb);
  p.lda = a_cols;
  p.ldb = b_cols;
  p.a_size = a_rows * a_cols;
  p.b_size = b_rows * b_cols;
  if (ra <= 2 && rb <= 2) {
    if (ra == 2) p.out.push_back(p.m);
    if (rb == 2) p.out.push_back(p.n);
    return p;
  }
  const Shape a_batch = leading(a.shape(), 2), b_batch = leading(b.shape(), 2);
  if (a_batch == b_batch || b_batch.rank() == 0) {
    p.batch_shape = a_batch;
  } else if (a_batch.rank() == 0) {
    p.batch_shape = b_batch;
  } else {
    const int r = std::max(a_batch.rank(), b_batch.rank());
    for (int i = 0; i < r; ++i) {
      const int ia = i - (r - a_batch.rank()), ib = i - (r - b_batch.rank());
      const Index da = ia >= 0 ? a_batch[ia] : 1, db = ib >= 0 ? b_batch[ib] : 1;
      if (da != db && da != 1 && db != 1)
        detail::fail("{}: batch dimensions {} and {} of shapes {} and {} do not broadcast", op, a_batch, b_batch,
                     a.shape(), b.shape());
      p.batch_shape.push_back(da == 1 ? db : da);
    }
  }
  p.batched = true;
  p.batch = p.batch_shape.numel();
  p.a = walk(a_batch, p.batch_shape, p.a_size);
  p.b = walk(b_batch, p.batch_shape, p.b_size);
  p.out = p.batch_shape;
  if (ra > 1) p.out.push_back(p.m);
  if (rb > 1) p.out.push_back(p.n);
  return p;
}

// Runs entries [lo, hi) of a batched product into outputs that follow each other.
template <class T>
void run_entries(const Product& p, const T* a, const T* b, T* c, T alpha, T beta, Index lo, Index hi) {
  for (Index i = lo; i < hi; ++i)
    detail::gemm(p.ta, p.tb, p.m, p.n, p.k, alpha, a + p.a[i], p.lda, b + p.b[i], p.ldb, beta, c + i * p.m * p.n,
                 p.n);
}

template <class T>
void run(const Product& p, const T* a, const T* b, T* c, T alpha, T beta) {
  if (!p.batched) {
    detail::gemm(p.ta, p.tb, p.m, p.n, p.k, alpha, a, p.lda, b, p.ldb, beta, c, p.n);
  } else if (p.b.uniform() && p.b.stride == 0 && p.a.uniform() && p.a.stride != 0 && !p.ta) {
    // One matrix applied to a stack of row blocks is one taller product.
    detail::gemm(false, p.tb, p.batch * p.m, p.n, p.k, alpha, a, p.lda, b, p.ldb, beta, c, p.n);
  } else if (detail::single_threaded_gemm(p.m, p.n, p.k)) {
    // Each entry is computed by one call on one thread, so the result does not
    // depend on how entries are spread; tiny entries are grouped to pay for a task.
    const Index work = std::max<Index>(1, p.m * p.n * std::max<Index>(p.k, 1));
    parallel_for(0, p.batch, std::max<Index>(1, 65536 / work), [&](Index lo, Index hi) {
      run_entries(p, a, b, c, alpha, beta, lo, hi);
    });
  } else {
    run_entries(p, a, b, c, alpha, beta, 0, p.batch);  // BLAS parallelises each product itself
  }
}

// c = beta * c + alpha * the product's entries summed into c, whose batch dimensions
// `c_batch` broadcast to the product's: the gradient of an operand that was broadcast.
// Entries that share an output run one after another in entry order (the same sums
// on any thread count); an output no entry reaches (an empty batch) is scaled by beta.
template <class T>
void run_summed(const Product& p, const Shape& c_batch, const T* a, const T* b, T* c, T alpha, T beta) {
  const Index mn = p.m * p.n;
  if (c_batch.numel() == 1 && p.ta && !p.tb && p.a.uniform() && p.a.stride != 0 && p.b.uniform() &&
      p.b.stride != 0) {
    // sum_i a_i^T b_i over entries stored one after another is one product of the
    // stacked rows: (batch * k, m)^T @ (batch * k, n).
    detail::gemm(true, false, p.m, p.n, p.batch * p.k, alpha, a, p.lda, b, p.ldb, beta, c, p.n);
    return;
  }
  const Walk out = walk(c_batch, p.batch_shape, mn);
  std::vector<char> reached(static_cast<std::size_t>(c_batch.numel()), 0);
  for (Index i = 0; i < p.batch; ++i) {
    const Index o = out[i];
    char& r = reached[static_cast<std::size_t>(mn > 0 ? o / mn : 0)];
    detail::gemm(p.ta, p.tb, p.m, p.n, p.k, alpha, a + p.a[i], p.lda, b + p.b[i], p.ldb, r ? T(1) : beta, c + o, p.n);
    r = 1;
  }
  for (std::size_t j = 0; j < reached.size(); ++j) {
    if (reached[j]) continue;
    T* cj = c + static_cast<Index>(j) * mn;
    for (Index e = 0; e < mn; ++e) cj[e] = beta == T(0) ? T(0) : beta * cj[e];
  }
}

}  // namespace

template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b, Trans ta, Trans tb) {
  const Product p = plan("matmul", a, b, ta, tb);
  Tensor<T> c(p.out);
  run(p, a.data(), b.data(), c.data(), T(1), T(0));
  return c;
}

template <class T>
void gemm_(Tensor<T>& c, const Tensor<T>& a, const Tensor<T>& b, Trans ta, Trans tb, T alpha, T beta) {
  const Product p = plan("gemm_", a, b, ta, tb);
  if (c.shape() == p.out) return run(p, a.data(), b.data(), c.data(), alpha, beta);
  // An output with fewer batch entries than the product: its batch dimensions must
  // broadcast to the product's, and the matrix dimensions must match.
  const int mat = p.out.rank() - p.batch_shape.rank();
  bool fits = c.dim() >= mat && c.dim() - mat <= p.batch_shape.rank();
  for (int i = 1; fits && i <= c.dim(); ++i) {
    const Index want = p.out[p.out.rank() - i];
    fits = c.size(-i) == want || (i > mat && c.size(-i) == 1);
  }
  if (!fits)
    detail::fail("gemm_: output has shape {} but the product of {} and {} has shape {}", c.shape(),
                 operand(a.shape(), p.ta), operand(b.shape(), p.tb), p.out);
  run_summed(p, leading(c.shape(), mat), a.data(), b.data(), c.data(), alpha, beta);
}

namespace {
// The output of x @ w^T (checked shapes), and its rows.
template <class T>
std::pair<Tensor<T>, Index> linear_output(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias) {
  if (w.dim() != 2 || x.dim() < 1)
    detail::fail("linear: expects input (..., in) and weight (out, in), got shapes {} and {}", x.shape(), w.shape());
  const Index in = w.size(1), out = w.size(0);
  if (x.size(-1) != in)
    detail::fail("linear: input {} and weight {} do not fit (in features {} and {})", x.shape(), w.shape(), x.size(-1),
                 in);
  if (bias.defined() && bias.shape() != Shape{out})
    detail::fail("linear: bias {} does not match weight {} ({} outputs)", bias.shape(), w.shape(), out);
  Shape ys(x.shape().begin(), x.shape().end() - 1);
  ys.push_back(out);
  Tensor<T> y(ys);
  const Index rows = in > 0 ? x.numel() / in : ys.numel() / std::max<Index>(out, 1);
  return {std::move(y), rows};
}
}  // namespace

template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias) {
  auto [y, rows] = linear_output(x, w, bias);
  const Index in = w.size(1), out = w.size(0);
  if constexpr (std::is_same_v<T, float>)
    if (bias.defined() && detail::onednn_linear(rows, out, in, x.data(), w.data(), bias.data(), nullptr, y.data()))
      return y;
  T beta = T(0);
  if (bias.defined()) {
    // Seeding the output with the bias lets the GEMM add it for free (beta = 1). Rows in
    // parallel: on one thread the copy was ~3 % of a Transformer step's time.
    parallel_for(0, rows, rows_per_task(kCopyGrain, out), [&](Index lo, Index hi) {
      for (Index r = lo; r < hi; ++r) std::copy(bias.begin(), bias.end(), y.data() + r * out);
    });
    beta = T(1);
  }
  detail::gemm(false, true, rows, out, in, T(1), x.data(), in, w.data(), in, beta, y.data(), out);
  return y;
}

template <class T>
Tensor<T> linear_onto(const Tensor<T>& residual, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias) {
  auto [y, rows] = linear_output(x, w, bias);
  if (!residual.defined() || residual.shape() != y.shape())
    detail::fail("linear_onto: residual {} for an output {}", residual.defined() ? residual.shape() : Shape{}, y.shape());
  const Index in = w.size(1), out = w.size(0);
  const T* r = residual.data();
  if constexpr (std::is_same_v<T, float>)
    if (detail::onednn_linear(rows, out, in, x.data(), w.data(), bias.defined() ? bias.data() : nullptr, r, y.data()))
      return y;
  parallel_for(0, rows, rows_per_task(kCopyGrain, out), [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) {
      T* yi = y.data() + i * out;
      const T* ri = r + i * out;
      if (bias.defined())
        for (Index j = 0; j < out; ++j) yi[j] = ri[j] + bias.data()[j];
      else
        std::copy(ri, ri + out, yi);
    }
  });
  detail::gemm(false, true, rows, out, in, T(1), x.data(), in, w.data(), in, T(1), y.data(), out);
  return y;
}

namespace {
// Rows of a (..., cols) tensor whose last axis must be `cols`.
template <class T>
Index rows_of(const char* op, const char* what, const Tensor<T>& t, Index cols) {
  if (t.dim() < 1 || t.size(-1) != cols) detail::fail("{}: {} of shape {} does not end in {}", op, what, t.shape(), cols);
  return t.numel() / std::max<Index>(cols, 1);
}
}  // namespace

template <class T>
void linear_grad_input_(Tensor<T>& gx, const Tensor<T>& gy, const Tensor<T>& w, T beta) {
  const Index out = w.size(0), in = w.size(1);
  const Index rows = rows_of("linear_grad_input_", "gradient", gy, out);
  if (rows_of("linear_grad_input_", "input gradient", gx, in) != rows)
    detail::fail("linear_grad_input_: input gradient {} and output gradient {} differ in rows", gx.shape(), gy.shape());
  detail::gemm(false, false, rows, in, out, T(1), gy.data(), out, w.data(), in, beta, gx.data(), in);
}

template <class T>
void linear_grad_weight_(Tensor<T>& gw, const Tensor<T>& gy, const Tensor<T>& x, T beta) {
  const Index out = gw.size(0), in = gw.size(1);
  const Index rows = rows_of("linear_grad_weight_", "gradient", gy, out);
  if (rows_of("linear_grad_weight_", "input", x, in) != rows)
    detail::fail("linear_grad_weight_: input {} and output gradient {} differ in rows", x.shape(), gy.shape());
  Tensor<T> scratch(detail::sums_in_halves(out, in, rows) ? Shape{out, in} : Shape{0});
  detail::gemm_summed_halves(out, in, rows, T(1), gy.data(), out, x.data(), in, beta, gw.data(), in, scratch.data());
}

namespace {
// gb = beta gb + the sums of gy's columns, after add_row(p, g, r) has added row r of gy
// (which it may rewrite first) into the partial sums p. Rows run in chunks of
// kSumRows, each summed into its own partial row, and the partials are added into gb in
// chunk order: the chunks depend on the shape alone, so the sums do not depend on the
// threads, and each task streams whole rows. Blocks of 64 columns walked down every row
// (2 KiB apart at 512 columns) ran 4x slower on 2 threads than on 1: too few of a task's
// lines per page for the prefetchers (bench/results/ab-2026-12-04-tvae-s14.md).
constexpr Index kSumRows = 64;

template <class T, class AddRow>
void column_sums(Tensor<T>& gb, T* gy, Index rows, T beta, const AddRow& add_row) {
  const Index out = gb.numel(), chunks = (rows + kSumRows - 1) / kSumRows;
  Tensor<T> part = Tensor<T>::zeros({chunks, out});
  parallel_for(0, chunks, rows_per_task(kCopyGrain, kSumRows * out), [&](Index lo, Index hi) {
    for (Index c = lo; c < hi; ++c)
      for (Index r = c * kSumRows; r < std::min(rows, (c + 1) * kSumRows); ++r)
        add_row(part.data() + c * out, gy + r * out, r);
  });
  T* b = gb.data();
  for (Index j = 0; j < out; ++j) b[j] = beta == T(0) ? T(0) : beta * b[j];
  for (Index c = 0; c < chunks; ++c) {
    const T* p = part.data() + c * out;
    for (Index j = 0; j < out; ++j) b[j] += p[j];
  }
}
}  // namespace

template <class T>
void linear_grad_bias_(Tensor<T>& gb, const Tensor<T>& gy, T beta) {
  const Index out = gb.numel(), rows = rows_of("linear_grad_bias_", "gradient", gy, out);
  column_sums(gb, const_cast<T*>(gy.data()), rows, beta, [out](T* p, const T* g, Index) {
    detail::map_range(p, out, [](auto a, auto b) { return a + b; }, static_cast<const T*>(p), g);
  });
}

template <class T>
void mul_and_grad_bias_(Tensor<T>& gy, const Tensor<T>& slope, Tensor<T>& gb, T beta) {
  const Index out = gb.numel();
  const Index rows = rows_of("mul_and_grad_bias_", "gradient", gy, out);
  if (slope.shape() != gy.shape()) detail::fail("mul_and_grad_bias_: slope {} for a gradient {}", slope.shape(), gy.shape());
  const T* s = slope.data();
  column_sums(gb, gy.data(), rows, beta, [&](T* p, T* g, Index r) {
    const T* sr = s + r * out;
    detail::for_each_batch<T>(0, out, [&](const auto& at) {
      const auto v = at.load(static_cast<const T*>(g)) * at.load(sr);
      at.store(g, v);
      at.store(p, at.load(static_cast<const T*>(p)) + v);
    });
  });
}

#define XGRAD_INSTANTIATE(T)                                                                  \
  template void linear_grad_input_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T);    \
  template void linear_grad_weight_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T);   \
  template void linear_grad_bias_<T>(Tensor<T>&, const Tensor<T>&, T);                        \
  template void mul_and_grad_bias_<T>(Tensor<T>&, const Tensor<T>&, Tensor<T>&, T);         \
  template Tensor<T> matmul<T>(const Tensor<T>&, const Tensor<T>&, Trans, Trans);             \
  template void gemm_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, Trans, Trans, T, T); \
  template Tensor<T> linear<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);              \
  template Tensor<T> linear_onto<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
