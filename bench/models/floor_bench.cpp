// The floor of each dense model step: the matrix products of its forward and backward
// pass (and, for the convolutions, the im2col/col2im around them) called back to back
// through the BLAS on buffers allocated once, at the thread count of the steps. With
// this BLAS no step can do the same products faster, so floor time / step time says
// how much of a step is anything else (elementwise work, allocation, graph building).
// bench/compare.sh prints it next to each step as BM_<Step>Floor.
//
// The products are the ones the step needs, in the shapes xgrad's layers use, with a
// convolution's images side by side in chunks that keep the unfolded columns in cache
// (few, wide products: their fastest form, so the floor stays a floor); per Linear
// (in -> out) at batch B, the forward (B, out, in), the weight gradient (out, in, B)
// and, unless its input is data, the input gradient (B, in, out).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "xgrad/core/blas.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape.hpp"

using xgrad::core::Index;
namespace blas = xgrad::core::blas;

namespace {

struct Gemm {
  bool ta, tb;
  long m, n, k;
};

// An image side, channels and a square kernel: what im2col needs.
struct Unfold {
  Index batch, channels, side, kernel, stride, pad, out_side;
  Index rows() const { return channels * kernel * kernel; }
  Index cols() const { return batch * out_side * out_side; }
};

// A step's work: its products and its unfold/fold passes, run in the order added.
// Which products of a Linear a phase needs.
enum Products { kForward = 1, kWeightGrad = 2, kInputGrad = 4, kAll = 7, kNoInputGrad = 3, kBackward = 6 };

class Floor {
 public:
  void linear(Index batch, Index in, Index out, int products = kAll) {
    if (products & kForward) work_.push_back({Gemm{false, true, batch, out, in}, {}, Pass::Gemm});
    if (products & kWeightGrad) work_.push_back({Gemm{true, false, out, in, batch}, {}, Pass::Gemm});
    if (products & kInputGrad) work_.push_back({Gemm{false, false, batch, in, out}, {}, Pass::Gemm});
  }
  // A stack of Linears (sizes[0] -> sizes[1] -> ...); the first gets `first`, the rest `rest`.
  void mlp(Index batch, std::vector<Index> sizes, int first, int rest) {
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) linear(batch, sizes[i], sizes[i + 1], i == 0 ? first : rest);
  }
  // Conv2d (c_in -> c_out, k x k / s, padding p) on side x side images.
  void conv(Index batch, Index c_in, Index c_out, Index side, Index k, Index s, Index p, bool input_grad = true) {
    for (const Unfold& u : chunks(Unfold{batch, c_in, side, k, s, p, (side + 2 * p - k) / s + 1})) {
      work_.push_back({{}, u, Pass::Im2col});
      work_.push_back({Gemm{false, false, c_out, u.cols(), u.rows()}, {}, Pass::Gemm});  // forward
      work_.push_back({{}, u, Pass::Im2col});                                             // weight gradient
      work_.push_back({Gemm{false, true, c_out, u.rows(), u.cols()}, {}, Pass::Gemm});
      if (!input_grad) continue;
      work_.push_back({Gemm{true, false, u.rows(), u.cols(), c_out}, {}, Pass::Gemm});  // input gradient
      work_.push_back({{}, u, Pass::Col2im});
    }
  }
  // ConvTranspose2d (c_in -> c_out) from side x side: the adjoint of the conv from its output.
  void conv_transpose(Index batch, Index c_in, Index c_out, Index side, Index k, Index s, Index p) {
    for (const Unfold& u : chunks(Unfold{batch, c_out, (side - 1) * s - 2 * p + k, k, s, p, side})) {
      work_.push_back({Gemm{true, false, u.rows(), u.cols(), c_in}, {}, Pass::Gemm});  // forward
      work_.push_back({{}, u, Pass::Col2im});
      work_.push_back({{}, u, Pass::Im2col});  // the output gradient unfolded, for both gradients
      work_.push_back({Gemm{false, true, c_in, u.rows(), u.cols()}, {}, Pass::Gemm});   // weight
      work_.push_back({Gemm{false, false, c_in, u.cols(), u.rows()}, {}, Pass::Gemm});  // input
    }
  }
  void allocate();
  void run();

 private:
  enum class Pass { Gemm, Im2col, Col2im };
  // The batch in chunks whose columns fit in the L2 cache (about 1 MiB): unfolded
  // columns of the whole batch would go to memory and back, which no fast path does.
  static std::vector<Unfold> chunks(Unfold u) {
    const Index per = std::max<Index>(1, (Index{1} << 18) / (u.rows() * u.out_side * u.out_side));
    std::vector<Unfold> out;
    for (Index done = 0, total = u.batch; done < total; done += per) out.push_back(u), out.back().batch = std::min(per, total - done);
    return out;
  }
  struct Item {
    Gemm gemm;
    Unfold unfold;
    Pass pass;
  };
  std::vector<Item> work_;
  std::vector<float> a_, b_, c_, image_, cols_;
};

void Floor::allocate() {
  std::size_t a = 0, b = 0, c = 0, image = 0, cols = 0;
  for (const Item& it : work_) {
    const auto& g = it.gemm;
    a = std::max(a, static_cast<std::size_t>(g.m * g.k));
    b = std::max(b, static_cast<std::size_t>(g.k * g.n));
    c = std::max(c, static_cast<std::size_t>(g.m * g.n));
    const auto& u = it.unfold;
    image = std::max(image, static_cast<std::size_t>(u.batch * u.channels * u.side * u.side));
    cols = std::max(cols, static_cast<std::size_t>(u.rows() * u.cols()));
  }
  a_.assign(a, 0.01f), b_.assign(b, 0.02f), c_.assign(c, 0.f), image_.assign(image, 0.5f), cols_.assign(cols, 0.f);
}

// Rows of cols are (channel, ky, kx); columns are (image, oy, ox) — the batch side by side.
void im2col(const Unfold& u, const float* x, float* cols, bool fold) {
  const Index plane = u.out_side * u.out_side, ld = u.cols();
  xgrad::core::parallel_for(0, u.batch, 1, [&](Index lo, Index hi) {
    for (Index n = lo; n < hi; ++n)
      for (Index r = 0; r < u.rows(); ++r) {
        const Index c = r / (u.kernel * u.kernel), ky = r / u.kernel % u.kernel, kx = r % u.kernel;
        const float* img = x + (n * u.channels + c) * u.side * u.side;
        float* row = cols + r * ld + n * plane;
        for (Index oy = 0; oy < u.out_side; ++oy) {
          const Index iy = oy * u.stride - u.pad + ky;
          for (Index ox = 0; ox < u.out_side; ++ox) {
            const Index ix = ox * u.stride - u.pad + kx;
            const bool inside = iy >= 0 && iy < u.side && ix >= 0 && ix < u.side;
            if (fold && inside)
              const_cast<float*>(img)[iy * u.side + ix] += row[oy * u.out_side + ox];
            else if (!fold)
              row[oy * u.out_side + ox] = inside ? img[iy * u.side + ix] : 0.f;
          }
        }
      }
  });
}

void Floor::run() {
  for (const Item& it : work_) {
    const Gemm& g = it.gemm;
    switch (it.pass) {
      case Pass::Gemm:
        blas::sgemm(g.ta, g.tb, g.m, g.n, g.k, 1.f, a_.data(), g.ta ? g.m : g.k, b_.data(), g.tb ? g.k : g.n, 0.f,
                    c_.data(), g.n);
        break;
      case Pass::Im2col: im2col(it.unfold, image_.data(), cols_.data(), false); break;
      case Pass::Col2im: im2col(it.unfold, image_.data(), cols_.data(), true); break;
    }
  }
}

void run_floor(benchmark::State& state, Floor floor) {
  floor.allocate();
  floor.run();
  for (auto _ : state) floor.run();
}

// Per Linear in -> out: the layers of BM_VaeMlpStep (784-400-20, two heads), batch 128.
void BM_VaeMlpStepFloor(benchmark::State& state) {
  Floor f;
  f.linear(128, 784, 400, kNoInputGrad), f.linear(128, 400, 20), f.linear(128, 400, 20);  // encoder, mean, log-variance
  f.linear(128, 20, 400), f.linear(128, 400, 784);                                // decoder
  run_floor(state, std::move(f));
}
BENCHMARK(BM_VaeMlpStepFloor)->Unit(benchmark::kMillisecond);

// BM_CvaeStep: (784 + 10)-400-20, decoder (20 + 10)-400-784, the learned prior 10 -> 20 (x2).
void BM_CvaeStepFloor(benchmark::State& state) {
  Floor f;
  f.linear(128, 794, 400, kNoInputGrad), f.linear(128, 400, 20), f.linear(128, 400, 20);
  f.linear(128, 30, 400), f.linear(128, 400, 784);
  f.linear(128, 10, 20, kNoInputGrad), f.linear(128, 10, 20, kNoInputGrad);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_CvaeStepFloor)->Unit(benchmark::kMillisecond);

// BM_AaeStep's three phases: reconstruction through encoder and decoder; the
// discriminator on prior draws and on the (detached) codes, encoded again; the generator
// through the frozen discriminator (input gradients only) back into the encoder.
void BM_AaeStepFloor(benchmark::State& state) {
  Floor f;
  const Index b = 128;
  const std::vector<Index> enc{784, 512, 512, 8}, dec{8, 512, 512, 784}, disc{8, 512, 512, 1};
  f.mlp(b, enc, kForward, kForward), f.mlp(b, dec, kAll, kAll), f.mlp(b, enc, kWeightGrad, kBackward);
  f.mlp(b, enc, kForward, kForward);
  for (int draws = 0; draws < 2; ++draws) f.mlp(b, disc, kNoInputGrad, kAll);
  f.mlp(b, disc, kForward | kInputGrad, kForward | kInputGrad), f.mlp(b, enc, kWeightGrad, kBackward);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_AaeStepFloor)->Unit(benchmark::kMillisecond);

// BM_ConvVaeStep: conv 4x4/2 1->32 (28 -> 14), 32->64 (14 -> 7), Linear 3136-400, heads
// 400-20 (x2); decoder 20-400-3136, transposed conv 64->32 (7 -> 14), 32->1 (14 -> 28).
void BM_ConvVaeStepFloor(benchmark::State& state) {
  Floor f;
  const Index b = 128;
  f.conv(b, 1, 32, 28, 4, 2, 1, false), f.conv(b, 32, 64, 14, 4, 2, 1);
  f.linear(b, 3136, 400), f.linear(b, 400, 20), f.linear(b, 400, 20);
  f.linear(b, 20, 400), f.linear(b, 400, 3136);
  f.conv_transpose(b, 64, 32, 7, 4, 2, 1), f.conv_transpose(b, 32, 1, 14, 4, 2, 1);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_ConvVaeStepFloor)->Unit(benchmark::kMillisecond);

}  // namespace
