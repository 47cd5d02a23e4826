// The floor of a model step (bench/models/floor_bench.cpp): its matrix products and
// convolutions, listed once and then run back to back on buffers allocated once. Each
// product goes through core's own GEMM path (core::detail::gemm: the cut into blocks by
// shape and the TBB threading every step's Linear, convolution and attention use; a batch
// of small products through core::gemm_, one product per entry spread over the threads,
// as attention and batched matmul run theirs), so the floor is the step's products with
// nothing else, at the step's thread count. A convolution pass takes the path core takes
// for it (core/detail/conv_dnnl.hpp): oneDNN's kernels alone where the step runs oneDNN,
// im2col/col2im and GEMM elsewhere.
#pragma once

#include <memory>
#include <vector>

#include "xgrad/core/detail/conv_path.hpp"

#include "xgrad/core/shape.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::bench {

using core::Index;

/// Which products of a Linear (in -> out) at batch B a phase needs: the forward (B, out,
/// in), the weight gradient (out, in, B), the input gradient (B, in, out).
enum Products { kForward = 1, kWeightGrad = 2, kInputGrad = 4, kAll = 7, kNoInputGrad = 3, kBackward = 6 };

class Floor {
 public:
  void linear(Index batch, Index in, Index out, int products = kAll);
  /// A stack of Linears (sizes[0] -> sizes[1] -> ...); the first gets `first`, the rest `rest`.
  void mlp(Index batch, const std::vector<Index>& sizes, int first, int rest);
  /// One product op(A) (m, k) @ op(B) (k, n).
  void product(bool ta, bool tb, Index m, Index n, Index k);
  /// `entries` products of one shape (a batch of matrices), spread over the threads.
  void batched(Index entries, bool ta, bool tb, Index m, Index n, Index k);
  /// Scaled dot-product attention over `entries` (batch x heads) of seq x seq scores and
  /// head size d: forward S = Q K^T, O = P V; backward dV = P^T dO, dP = dO V^T,
  /// dQ = dS K, dK = dS^T Q (causal or not: the kernel computes every score).
  void attention(Index entries, Index seq, Index d);
  /// One Transformer layer on (batch, seq, d_model): in-projection (`first`: its
  /// products), attention over `heads`, out-projection, feed-forward d_model-ff-d_model.
  void transformer_layer(Index batch, Index seq, Index d_model, Index heads, Index ff, int first);
  /// Conv2d (c_in -> c_out, k x k / s, padding p) on side x side images; `dnnl`: every
  /// pass on oneDNN (a fused op's), not only those where conv2d takes it.
  void conv(Index batch, Index c_in, Index c_out, Index side, Index k, Index s, Index p, bool input_grad = true,
            bool dnnl = false);
  /// ConvTranspose2d (c_in -> c_out) from side x side: the adjoint of the conv from its output.
  void conv_transpose(Index batch, Index c_in, Index c_out, Index side, Index k, Index s, Index p);

  void allocate();
  void run();
  /// The multiply-adds of one run (a FLOP bound: twice this over the machine's peak).
  double multiply_adds() const { return multiply_adds_; }
  /// Each convolution pass listed, and whether it runs on oneDNN (as the step's does).
  struct ConvChoice {
    core::detail::ConvPass pass;
    bool dnnl;
  };
  const std::vector<ConvChoice>& conv_choices() const { return conv_choices_; }

  /// An image side, channels and a square kernel: what im2col needs.
  struct Unfold {
    Index batch, channels, side, kernel, stride, pad, out_side;
    Index rows() const { return channels * kernel * kernel; }
    Index cols() const { return batch * out_side * out_side; }
  };

 private:
  struct Gemm {
    bool ta, tb;
    Index m, n, k;
  };
  enum class Pass { Gemm, Batched, Im2col, Col2im, Dnnl };
  struct Item {
    Pass pass;
    Gemm gemm{};
    Unfold unfold{};
    Index entries = 1;
    core::Tensor<float> a{}, b{}, c{};  // a batched product's own operands (gemm_ checks their shapes)
    std::shared_ptr<core::detail::DnnlConvKernels> kernels{};
  };
  void gemm(bool ta, bool tb, Index m, Index n, Index k);
  void unfold(Pass pass, const Unfold& u) { work_.push_back({pass, {}, u}); }
  /// One pass of the convolution s (im2col's view of it: u), on the step's path.
  void conv_pass(core::detail::ConvPass pass, const core::detail::ConvShape& s, const Unfold& u, bool bias,
                 bool dnnl = false);
  static std::vector<Unfold> chunks(Unfold u);

  std::vector<Item> work_;
  std::vector<ConvChoice> conv_choices_;
  double multiply_adds_ = 0;
  std::vector<float> a_, b_, c_, image_, cols_;
};

/// The floors of BM_ConvVaeStep and BM_VqVaeStep (floor_steps.cpp).
Floor conv_vae_step_floor();
Floor vq_vae_step_floor();

}  // namespace xgrad::bench
