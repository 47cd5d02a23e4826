// Float Linear forwards with a bias or a residual (or both) on oneDNN's matmul, whose
// epilogue adds them while each tile of the output is still in registers. Seeding the
// output with them for sgemm's beta = 1 was a pass of its own over a block last touched a
// step ago: one block of 1024 rows (1 thread, the output cold) took 881 -> 788 us for the
// Transformer's in-projection (384 x 128, bias) and 1052 -> 929 us for its second
// feed-forward (128 x 512, bias and residual), bench/README.md, session 23. With nothing
// to add sgemm stays the faster (the first feed-forward: 945 against 1039 us), so it keeps
// those products.
#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <cstdlib>
#include <memory>
#include <new>
#include <string_view>
#include <unordered_map>

#include "xgrad/core/detail/dnnl_common.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core::detail {
namespace {

using dnnl::memory;

struct LinearPlan {
  dnnl::matmul kernel;
  memory::desc x, w, bias, y, scratchpad;
};
// (rows of the block, out, in, bias?, residual?)
using LinearKey = std::array<Index, 5>;
constexpr std::size_t kMaxLinearPlans = 64;

memory::desc matrix(Index rows, Index cols, Index row_stride, Index col_stride) {
  return {{rows, cols}, memory::data_type::f32, memory::dims{row_stride, col_stride}};
}

LinearPlan make_plan(const LinearKey& key) {
  // Made for the one thread it runs on: oneDNN's matmul reads the thread count when it is
  // made, to choose its blocking and size its scratch.
  const OneOpenMpThread one;
  const auto [rows, out, in, bias, residual] = key;
  LinearPlan p;
  p.x = matrix(rows, in, in, 1);
  p.w = matrix(in, out, 1, in);  // w^T: the weight's rows are the output's columns
  p.bias = matrix(1, out, out, 1);
  p.y = matrix(rows, out, out, 1);
  dnnl::post_ops ops;
  if (residual) ops.append_binary(dnnl::algorithm::binary_add, p.y);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_post_ops(ops);
  const dnnl::matmul::desc desc = bias ? dnnl::matmul::desc(p.x, p.w, p.bias, p.y) : dnnl::matmul::desc(p.x, p.w, p.y);
  const dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
  // oneDNN's reference kernels are there for correctness, not speed: sgemm is then the better.
  if (std::string_view(pd.impl_info_str()).find("ref") != std::string_view::npos)
    throw dnnl::error(dnnl_unimplemented, "only a reference matmul for this shape");
  p.kernel = dnnl::matmul(pd);
  p.scratchpad = pd.scratchpad_desc();
  return p;
}

PlanCache<LinearKey, LinearPlan>& plan_cache() {
  static PlanCache<LinearKey, LinearPlan> cache(kMaxLinearPlans);
  return cache;
}

// The calling thread's scratch for the kernel (its packed copy of the weight), kept between
// calls. Not from the tensor allocator: how many blocks run at once depends on the threads'
// timing, and a second block in flight for the first time would take a new block from the
// system in the middle of training.
void* thread_scratch(std::size_t bytes) {
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  thread_local std::unique_ptr<void, Free> buffer;
  thread_local std::size_t capacity = 0;
  if (bytes > capacity) {
    const std::size_t rounded = (bytes + 4095) / 4096 * 4096;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();  // the old buffer and capacity stay as they were
    buffer.reset(p);
    capacity = rounded;
  }
  return buffer.get();
}

// One block of rows on the calling thread alone.
void run(const LinearPlan& p, const float* x, const float* w, const float* bias, const float* residual, float* y) {
  const OneOpenMpThread one;
  auto& e = cpu_engine();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.x, e, const_cast<float*>(x))},
                                       {DNNL_ARG_WEIGHTS, memory(p.w, e, const_cast<float*>(w))},
                                       {DNNL_ARG_DST, memory(p.y, e, y)}};
  if (bias) args[DNNL_ARG_BIAS] = memory(p.bias, e, const_cast<float*>(bias));
  if (residual) args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = memory(p.y, e, const_cast<float*>(residual));
  if (const std::size_t bytes = p.scratchpad.get_size(); bytes > 0)
    args[DNNL_ARG_SCRATCHPAD] = memory(p.scratchpad, e, thread_scratch(bytes));
  dnnl::stream stream(e);
  p.kernel.execute(stream, args);
  stream.wait();
}

}  // namespace

bool onednn_linear(Index rows, Index out, Index in, const float* x, const float* w, const float* bias,
                   const float* residual, float* y) {
  // Only products gemm would run on oneDNN and cut by rows (each block a dense matrix).
  if ((!bias && !residual) || !runs_on_onednn(rows, out, in) || rows < out) return false;
  const BlockCut cut = block_cut(rows, out, in, onednn_max_blocks(rows, out));
  const Index last = cut.extent - (cut.count() - 1) * cut.step;
  const auto plan = [&](Index block_rows) {
    return plan_cache().find({block_rows, out, in, bias != nullptr, residual != nullptr}, make_plan);
  };
  const auto full = plan(cut.step);
  const auto tail = last == cut.step ? full : plan(last);
  if (!full || !tail) return false;
  parallel_for(0, cut.count(), 1, [&](Index lo, Index hi) {
    for (Index blk = lo; blk < hi; ++blk) {
      const Index i0 = blk * cut.step;
      run(blk + 1 == cut.count() ? *tail : *full, x + i0 * in, w, bias, residual ? residual + i0 * out : nullptr,
          y + i0 * out);
    }
  });
  return true;
}

}  // namespace xgrad::core::detail
