#include "xgrad/core/linalg.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

// op(a) @ op(b) as BLAS sees it. batch == 0 means a plain 2-D product; a stride of
// 0 means that operand is one matrix shared by every batch entry.
struct Product {
  Index batch = 0, m = 0, n = 0, k = 0;
  Index a_stride = 0, b_stride = 0, lda = 0, ldb = 0;
  bool ta = false, tb = false;
  Shape out;
};

std::string operand(const Shape& s, bool transposed) { return transposed ? s.str() + "^T" : s.str(); }

template <class T>
Product plan(const char* op, const Tensor<T>& a, const Tensor<T>& b, Trans ta, Trans tb) {
  Product p;
  p.ta = ta == Trans::Yes;
  p.tb = tb == Trans::Yes;
  const int ra = a.dim(), rb = b.dim();
  if ((ra != 2 && ra != 3) || (rb != 2 && rb != 3))
    detail::fail("{}: expects 2-D or 3-D operands, got shapes {} and {}", op, a.shape(), b.shape());
  const Index a_rows = a.size(-2), a_cols = a.size(-1), b_rows = b.size(-2), b_cols = b.size(-1);
  p.m = p.ta ? a_cols : a_rows;
  p.k = p.ta ? a_rows : a_cols;
  p.n = p.tb ? b_rows : b_cols;
  const Index kb = p.tb ? b_cols : b_rows;
  if (p.k != kb)
    detail::fail("{}: shapes {} and {} do not fit (inner dimensions {} and {})", op, operand(a.shape(), p.ta),
                 operand(b.shape(), p.tb), p.k, kb);
  if (ra == 3 && rb == 3 && a.size(0) != b.size(0))
    detail::fail("{}: shapes {} and {} have different batch sizes ({} and {})", op, a.shape(), b.shape(), a.size(0),
                 b.size(0));
  p.lda = a_cols;
  p.ldb = b_cols;
  if (ra == 2 && rb == 2) {
    p.out = Shape{p.m, p.n};
    return p;
  }
  p.batch = ra == 3 ? a.size(0) : b.size(0);
  p.a_stride = ra == 3 ? a_rows * a_cols : 0;
  p.b_stride = rb == 3 ? b_rows * b_cols : 0;
  p.out = Shape{p.batch, p.m, p.n};
  return p;
}

template <class T>
void run(const Product& p, const T* a, const T* b, T* c, T alpha, T beta) {
  const Index mn = p.m * p.n;
  if (p.batch == 0) {
    detail::gemm(p.ta, p.tb, p.m, p.n, p.k, alpha, a, p.lda, b, p.ldb, beta, c, p.n);
  } else if (p.b_stride == 0 && !p.ta) {
    // One matrix applied to a stack of row blocks is one taller product.
    detail::gemm(false, p.tb, p.batch * p.m, p.n, p.k, alpha, a, p.lda, b, p.ldb, beta, c, p.n);
  } else {
    auto entries = [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i)
        detail::gemm(p.ta, p.tb, p.m, p.n, p.k, alpha, a + i * p.a_stride, p.lda, b + i * p.b_stride, p.ldb, beta,
                     c + i * mn, p.n);
    };
    if (detail::single_threaded_gemm(p.m, p.n, p.k)) {
      // Each entry is computed by one call on one thread, so the result does not
      // depend on how entries are spread; tiny entries are grouped to pay for a task.
      const Index work = std::max<Index>(1, p.m * p.n * std::max<Index>(p.k, 1));
      parallel_for(0, p.batch, std::max<Index>(1, 65536 / work), entries);
    } else {
      entries(0, p.batch);  // BLAS parallelises each product itself
    }
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
  if (c.shape() != p.out)
    detail::fail("gemm_: output has shape {} but the product of {} and {} has shape {}", c.shape(),
                 operand(a.shape(), p.ta), operand(b.shape(), p.tb), p.out);
  run(p, a.data(), b.data(), c.data(), alpha, beta);
}

template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias) {
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
  T beta = T(0);
  if (bias.defined()) {
    // Seeding the output with the bias lets the GEMM add it for free (beta = 1).
    for (Index r = 0; r < rows; ++r) std::copy(bias.begin(), bias.end(), y.data() + r * out);
    beta = T(1);
  }
  detail::gemm(false, true, rows, out, in, T(1), x.data(), in, w.data(), in, beta, y.data(), out);
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
  detail::gemm(true, false, out, in, rows, T(1), gy.data(), out, x.data(), in, beta, gw.data(), in);
}

template <class T>
void linear_grad_bias_(Tensor<T>& gb, const Tensor<T>& gy, T beta) {
  const Index out = gb.numel();
  const Index rows = rows_of("linear_grad_bias_", "gradient", gy, out);
  T* b = gb.data();
  if (beta == T(0)) std::fill(b, b + out, T(0));
  const T* g = gy.data();
  // Rows in order, columns vectorised: a fixed summation order whatever the threads.
  for (Index r = 0; r < rows; ++r, g += out)
    for (Index j = 0; j < out; ++j) b[j] += g[j];
}

#define XGRAD_INSTANTIATE(T)                                                                  \
  template void linear_grad_input_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T);    \
  template void linear_grad_weight_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T);   \
  template void linear_grad_bias_<T>(Tensor<T>&, const Tensor<T>&, T);                        \
  template Tensor<T> matmul<T>(const Tensor<T>&, const Tensor<T>&, Trans, Trans);             \
  template void gemm_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, Trans, Trans, T, T); \
  template Tensor<T> linear<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
