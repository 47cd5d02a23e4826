#include "floor.hpp"

#include <algorithm>
#include <utility>

#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::bench {

void Floor::linear(Index batch, Index in, Index out, int products) {
  if (products & kForward) gemm(false, true, batch, out, in);
  if (products & kWeightGrad) gemm(true, false, out, in, batch);
  if (products & kInputGrad) gemm(false, false, batch, in, out);
}

void Floor::mlp(Index batch, const std::vector<Index>& sizes, int first, int rest) {
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) linear(batch, sizes[i], sizes[i + 1], i == 0 ? first : rest);
}

void Floor::product(bool ta, bool tb, Index m, Index n, Index k) { gemm(ta, tb, m, n, k); }

void Floor::gemm(bool ta, bool tb, Index m, Index n, Index k) {
  work_.push_back({Pass::Gemm, {ta, tb, m, n, k}});
  multiply_adds_ += static_cast<double>(m) * n * k;
}

void Floor::batched(Index entries, bool ta, bool tb, Index m, Index n, Index k) {
  multiply_adds_ += static_cast<double>(entries) * m * n * k;
  Item it{Pass::Batched, {ta, tb, m, n, k}};
  it.entries = entries;
  work_.push_back(std::move(it));
}

void Floor::attention(Index entries, Index seq, Index d) {
  batched(entries, false, true, seq, seq, d);   // S = Q K^T
  batched(entries, false, false, seq, d, seq);  // O = P V
  batched(entries, true, false, seq, d, seq);   // dV = P^T dO
  batched(entries, false, true, seq, seq, d);   // dP = dO V^T
  batched(entries, false, false, seq, d, seq);  // dQ = dS K
  batched(entries, true, false, seq, d, seq);   // dK = dS^T Q
}

void Floor::transformer_layer(Index batch, Index seq, Index d_model, Index heads, Index ff, int first) {
  const Index rows = batch * seq;
  linear(rows, d_model, 3 * d_model, first);
  attention(batch * heads, seq, d_model / heads);
  linear(rows, d_model, d_model);
  linear(rows, d_model, ff), linear(rows, ff, d_model);
}

// A convolution's three passes (its input gradient unless its input is data), each on the
// path core's conv2d takes for it.
void Floor::conv(Index batch, Index c_in, Index c_out, Index side, Index k, Index s, Index p, bool input_grad,
                 bool dnnl) {
  const core::Conv2dParams params{{s, s}, {p, p}};
  const auto shape =
      core::detail::conv2d_shape(core::Shape{batch, c_in, side, side}, core::Shape{c_out, c_in, k, k}, params);
  const Unfold u{batch, c_in, side, k, s, p, shape.g.oh};
  using core::detail::ConvPass;
  conv_pass(ConvPass::forward, shape, u, true, dnnl);
  conv_pass(ConvPass::weight_grad, shape, u, false, dnnl);
  if (input_grad) conv_pass(ConvPass::input_grad, shape, u, false, dnnl);
}

// A transposed convolution is the adjoint of a conv2d (core/conv.cpp): its forward pass
// is that conv's input gradient, its input gradient that conv's forward pass (no bias),
// its weight gradient that conv's.
void Floor::conv_transpose(Index batch, Index c_in, Index c_out, Index side, Index k, Index s, Index p) {
  const core::Conv2dParams params{{s, s}, {p, p}};
  const auto shape = core::detail::conv_transpose2d_shape(core::Shape{batch, c_in, side, side},
                                                          core::Shape{c_in, c_out, k, k}, params, {0, 0});
  const Unfold u{batch, c_out, shape.g.h, k, s, p, side};
  using core::detail::ConvPass;
  conv_pass(ConvPass::input_grad, shape, u, false);
  conv_pass(ConvPass::forward, shape, u, false);
  conv_pass(ConvPass::weight_grad, shape, u, false);
}

// On oneDNN: its kernels alone. On im2col: the batch's columns side by side, in chunks —
// few, wide products (their fastest form, so the floor stays a floor); a 1x1 kernel with
// unit stride reads the image itself, as the step does: no unfolding.
void Floor::conv_pass(core::detail::ConvPass pass, const core::detail::ConvShape& s, const Unfold& u, bool bias,
                      bool dnnl) {
  using core::detail::ConvPass;
  multiply_adds_ += static_cast<double>(s.n) * s.o * s.g.rows() * s.g.cols();
  if (dnnl || core::detail::dnnl_conv_pays(pass, s))
    if (auto kernels = core::detail::DnnlConvKernels::make(pass, s, bias)) {
      conv_choices_.push_back({pass, true});
      Item it{Pass::Dnnl};
      it.kernels = std::move(kernels);
      work_.push_back(std::move(it));
      return;
    }
  conv_choices_.push_back({pass, false});
  const double counted = multiply_adds_;
  const bool identity = s.g.identity();
  for (const Unfold& c : chunks(u)) {
    if (pass != ConvPass::input_grad && !identity) unfold(Pass::Im2col, c);
    if (pass == ConvPass::forward) gemm(false, false, s.o, c.cols(), c.rows());
    if (pass == ConvPass::weight_grad) gemm(false, true, s.o, c.rows(), c.cols());
    if (pass != ConvPass::input_grad) continue;
    gemm(true, false, c.rows(), c.cols(), s.o);
    if (!identity) unfold(Pass::Col2im, c);
  }
  multiply_adds_ = counted;  // the products above are the pass's, counted once already
}

// The batch in chunks whose columns fit in the L2 cache (about 1 MiB): unfolded columns
// of the whole batch would go to memory and back, which no fast path does.
std::vector<Floor::Unfold> Floor::chunks(Unfold u) {
  const Index per = std::max<Index>(1, (Index{1} << 18) / (u.rows() * u.out_side * u.out_side));
  std::vector<Unfold> out;
  for (Index done = 0, total = u.batch; done < total; done += per) out.push_back(u), out.back().batch = std::min(per, total - done);
  return out;
}

namespace {

core::Shape operand(Index entries, bool transposed, Index rows, Index cols) {
  return transposed ? core::Shape{entries, cols, rows} : core::Shape{entries, rows, cols};
}

// The output columns [lo, hi) whose input column ox * stride - pad + kx lies in the image.
std::pair<Index, Index> inside(const Floor::Unfold& u, Index kx) {
  Index lo = 0, hi = u.out_side;
  while (lo < hi && lo * u.stride - u.pad + kx < 0) ++lo;
  while (hi > lo && (hi - 1) * u.stride - u.pad + kx >= u.side) --hi;
  return {lo, hi};
}

// Rows of cols are (channel, ky, kx); columns are (image, oy, ox) — the batch side by side.
// `fold` adds the columns back into the images (col2im) instead. Padding is cut out of
// each row once, so the inner loops are plain strided copies.
void im2col(const Floor::Unfold& u, float* x, float* cols, bool fold) {
  const Index plane = u.out_side * u.out_side, ld = u.cols();
  core::parallel_for(0, u.batch, 1, [&](Index lo, Index hi) {
    for (Index n = lo; n < hi; ++n)
      for (Index r = 0; r < u.rows(); ++r) {
        const Index c = r / (u.kernel * u.kernel), ky = r / u.kernel % u.kernel, kx = r % u.kernel;
        const auto [xlo, xhi] = inside(u, kx);
        float* img = x + (n * u.channels + c) * u.side * u.side;
        float* row = cols + r * ld + n * plane;
        for (Index oy = 0; oy < u.out_side; ++oy) {
          const Index iy = oy * u.stride - u.pad + ky;
          float* out = row + oy * u.out_side;
          if (iy < 0 || iy >= u.side) {  // a padding row
            if (!fold) std::fill(out, out + u.out_side, 0.f);
            continue;
          }
          const Index at = iy * u.side - u.pad + kx;  // input of output column 0
          if (fold) {
            for (Index ox = xlo; ox < xhi; ++ox) img[at + ox * u.stride] += out[ox];
            continue;
          }
          std::fill(out, out + xlo, 0.f), std::fill(out + xhi, out + u.out_side, 0.f);
          for (Index ox = xlo; ox < xhi; ++ox) out[ox] = img[at + ox * u.stride];
        }
      }
  });
}

}  // namespace

// The plain products share one set of buffers, sized for the largest; a batched product
// keeps its own operands, shaped as core::gemm_ checks them.
void Floor::allocate() {
  std::size_t a = 0, b = 0, c = 0, image = 0, cols = 0;
  for (Item& it : work_) {
    const Gemm& g = it.gemm;
    if (it.pass == Pass::Batched) {
      it.a = core::Tensor<float>::full(operand(it.entries, g.ta, g.m, g.k), 0.01f);
      it.b = core::Tensor<float>::full(operand(it.entries, g.tb, g.k, g.n), 0.02f);
      it.c = core::Tensor<float>::zeros(core::Shape{it.entries, g.m, g.n});
      continue;
    }
    a = std::max(a, static_cast<std::size_t>(g.m * g.k));
    b = std::max(b, static_cast<std::size_t>(g.k * g.n));
    c = std::max(c, static_cast<std::size_t>(g.m * g.n));
    const Unfold& u = it.unfold;
    image = std::max(image, static_cast<std::size_t>(u.batch * u.channels * u.side * u.side));
    cols = std::max(cols, static_cast<std::size_t>(u.rows() * u.cols()));
  }
  a_.assign(a, 0.01f), b_.assign(b, 0.02f), c_.assign(c, 0.f), image_.assign(image, 0.5f), cols_.assign(cols, 0.f);
}

void Floor::run() {
  using core::Trans;
  for (Item& it : work_) {
    const Gemm& g = it.gemm;
    switch (it.pass) {
      case Pass::Gemm:
        core::detail::gemm(g.ta, g.tb, g.m, g.n, g.k, 1.f, a_.data(), g.ta ? g.m : g.k, b_.data(), g.tb ? g.k : g.n,
                           0.f, c_.data(), g.n);
        break;
      case Pass::Batched: core::gemm_(it.c, it.a, it.b, g.ta ? Trans::Yes : Trans::No, g.tb ? Trans::Yes : Trans::No); break;
      case Pass::Im2col: im2col(it.unfold, image_.data(), cols_.data(), false); break;
      case Pass::Col2im: im2col(it.unfold, image_.data(), cols_.data(), true); break;
      case Pass::Dnnl: it.kernels->run(); break;
    }
  }
}

}  // namespace xgrad::bench
