#pragma once
// The oneDNN side of core/residual_dnnl.cpp's fused residual stack (.cpp only): for each
// chunk size and shape a plan of the blocks' (and the stem's) kernels and the layouts they
// chose, the batch's chunks, and the weights reordered into the kernels' layouts.
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>
#include <vector>

#include "xgrad/core/detail/residual_dnnl.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::core::detail::residual {

using dnnl::memory;
using Args = std::unordered_map<int, memory>;

inline constexpr std::size_t kAlign = 64;
inline std::size_t aligned(std::size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

/// reorder::execute takes its memories by reference: this takes them by value.
inline void reorder_into(const dnnl::reorder& r, dnnl::stream& stream, memory from, memory to) {
  r.execute(stream, from, to);
}

// A weight in xgrad's OIHW and in the layout one kernel chose, with the reorders both ways.
struct Weights {
  memory::desc user, inner;
  dnnl::reorder to_inner, to_user;
};

// One convolution's three kernels and the weight layouts they chose.
struct Conv {
  dnnl::primitive forward, backward_data, backward_weights;
  Weights w_forward, w_backward_data, dw;
  memory::desc pad_forward, pad_backward_data, pad_backward_weights;  // their scratchpads
  std::size_t scratchpad = 0;                                         // the largest
  bool bias_grad = true;  // the weight-gradient kernel also sums the bias gradient
};

// The block's kernels for chunks of n images: conv3 (relu as a post-op) and conv1 (the
// residual added as a sum post-op into a destination that holds x).
struct Plan {
  memory::desc x_user, x_blocked, h_blocked, b3, b1;
  dnnl::reorder x_in, x_out;
  // The stack's output and its gradient as the caller holds them: NCHW, or NHWC rows.
  memory::desc y_user;
  dnnl::reorder y_out, gy_in;
  Conv conv3, conv1;
  std::size_t x_bytes = 0, h_bytes = 0;
  // The stem, when there is one: its input in both layouts, and its kernels.
  bool has_stem = false;
  memory::desc xs_user, xs_blocked;
  dnnl::reorder xs_in, xs_out;
  Conv stem;
  std::size_t xs_bytes = 0;
  // The head, when there is one: its input as the caller holds it (NCHW, read in place),
  // its bias, and its kernels (relu as a post-op, the output the stem's blocked input).
  bool has_head = false;
  memory::desc xh_user, bh;
  Conv head;
  // The tail, when there is one: its output as the caller holds it (NCHW) and blocked, and
  // the convolution from that output to the stack's (whose input gradient is the tail's
  // forward; no bias: the tail adds its own in its relu pass).
  bool has_tail = false;
  memory::desc t_user, t_blocked;
  dnnl::reorder t_out, gt_in;
  Conv tail;
  std::size_t t_bytes = 0;
  // The last deconvolution, when there is one: its output (gradient) as the caller holds it
  // (NCHW, read in place) and the convolution from it to the tail's blocked output, whose
  // forward is its input gradient and whose weight gradient is its own (no bias).
  bool has_last = false;
  memory::desc l_user;
  Conv last;
  std::size_t scratchpad() const {
    return std::max({conv3.scratchpad, conv1.scratchpad, has_stem ? stem.scratchpad : 0,
                     has_head ? head.scratchpad : 0, has_tail ? tail.scratchpad : 0, has_last ? last.scratchpad : 0});
  }
  std::size_t dw_stem_bytes() const { return has_stem ? aligned(stem.dw.inner.get_size()) : 0; }
  std::size_t dw_head_bytes() const { return has_head ? aligned(head.dw.inner.get_size()) : 0; }
  std::size_t dw_tail_bytes() const { return has_tail ? aligned(tail.dw.inner.get_size()) : 0; }
  std::size_t dw_last_bytes() const { return has_last ? aligned(last.dw.inner.get_size()) : 0; }
  /// The forward pass's slot: x, scratchpad (it needs no gradient buffers: ~1.9 MB less a
  /// thread at 32 images of the VQ-VAE decoder's stack and tail).
  std::size_t forward_slot_bytes() const { return x_bytes + aligned(scratchpad()); }
  std::size_t slot_bytes() const {  // x, g, ga, gh, dw3, dw1, xs, dws, dwh, gt, dwt, dwl, scratchpad
    return 3 * x_bytes + h_bytes + aligned(conv3.dw.inner.get_size()) + aligned(conv1.dw.inner.get_size()) + xs_bytes +
           dw_stem_bytes() + dw_head_bytes() + t_bytes + dw_tail_bytes() + dw_last_bytes() + aligned(scratchpad());
  }
};

// The batch's chunks: `per` images each, the last maybe fewer, each with its plan.
struct Chunks {
  Index per = 0, count = 0;
  const Plan* full = nullptr;
  const Plan* last = nullptr;
  const Plan& plan(Index i) const { return i + 1 == count ? *last : *full; }
};

/// The batch in chunks fixed by the shape alone, with their plans; none when oneDNN's
/// blocked path does not take the shape.
std::optional<Chunks> chunks(const ResidualShape& s);

// One block's weights reordered for the full chunks' plan and the last one's: [0] full, [1] last.
struct ChunkWeights {
  std::vector<Tensor<float>> store;
  std::array<memory, 2> w3, w1;
  ChunkWeights(const Chunks& c, const ResidualPointers& b, bool forward);
};

// The stem's (or the head's) weight reordered for the full chunks' plan and the last one's.
struct StemWeights {
  std::vector<Tensor<float>> store;
  std::array<memory, 2> w;
  /// Empty when oihw is null (no such convolution).
  StemWeights(const Chunks& c, const float* oihw, bool forward, Conv Plan::*conv = &Plan::stem);
};

std::vector<ChunkWeights> chunk_weights(const Chunks& c, const std::vector<ResidualPointers>& blocks, bool forward);

}  // namespace xgrad::core::detail::residual
