#include "xgrad/autograd/ops_attention.hpp"

#include "xgrad/autograd/record.hpp"

namespace xgrad::autograd {

namespace {

// Draws the dropout seed; when the generator holds rows [offset, offset + rows) of a
// larger batch (data-parallel training) and the input is those rows, entry 0 is entry
// offset * heads of the whole batch, so each shard drops what one process would.
template <class T>
void draw_dropout_seed(AttentionConfig<T>& cfg, core::Generator* gen, Index rows, Index heads) {
  if (cfg.dropout > T(0)) {
    if (!gen) throw core::ValueError("scaled_dot_product_attention: dropout needs a generator");
    cfg.dropout_seed = gen->next_u64();
    const core::Generator::RowShard& sh = gen->row_shard();
    cfg.dropout_first_entry = sh.total > 0 && rows > 0 && rows == sh.rows ? sh.offset * heads : 0;
  }
}

}  // namespace

template <class T>
Variable<T> scaled_dot_product_attention(const Variable<T>& q, const Variable<T>& k, const Variable<T>& v,
                                         AttentionConfig<T> cfg, core::Generator* gen) {
  draw_dropout_seed(cfg, gen, q.dim() == 4 ? q.size(0) : 0, q.dim() == 4 ? q.size(1) : 0);
  core::AttentionSaved<T> saved;
  Tensor<T> y = core::attention_forward(q.value(), k.value(), v.value(), cfg, saved);
  // The closure keeps the masks, the dropout seed and P or its row log-sum-exps (cfg.save);
  // q, k, v and the output are the node's inputs and value.
  return detail::record(OpId::attention, std::move(y),
                        [cfg = std::move(cfg), saved = std::move(saved)](Node<T>& self, Tensor<T>& gy) {
    Tensor<T>* out[3] = {nullptr, nullptr, nullptr};
    bool add[3] = {false, false, false};
    for (std::size_t i = 0; i < 3; ++i)
      if (self.needs_grad(i)) add[i] = self.grad_buffer(i, out[i]) != T(0);
    // One input passed twice (self-attention q = k = v) gets one buffer: the kernel
    // writes dv, dq, dk in turn, so each must add into it, from zeros when it is new.
    for (std::size_t i = 0; i < 3; ++i)
      for (std::size_t j = i + 1; j < 3; ++j)
        if (out[i] && out[i] == out[j] && !(add[i] && add[j])) {
          if (!add[i] || !add[j]) out[i]->fill_(T(0));
          add[i] = add[j] = true;
        }
    core::attention_backward(gy, self.input(0), self.input(1), self.input(2), self.value, cfg, saved, out[0], add[0],
                             out[1], add[1], out[2], add[2]);
  }, q, k, v);
}

template <class T>
Variable<T> packed_self_attention(const Variable<T>& qkv, Index heads, AttentionConfig<T> cfg, core::Generator* gen) {
  draw_dropout_seed(cfg, gen, qkv.dim() == 3 ? qkv.size(0) : 0, heads);
  core::AttentionSaved<T> saved;
  Tensor<T> y = core::attention_packed_forward(qkv.value(), heads, cfg, saved);
  return detail::record(OpId::packed_self_attention, std::move(y),
                        [heads, cfg = std::move(cfg), saved = std::move(saved)](Node<T>& self, Tensor<T>& gy) {
    Tensor<T>* out = nullptr;
    const bool add = self.grad_buffer(0, out) != T(0);
    core::attention_packed_backward(gy, self.input(0), self.value, heads, cfg, saved, *out, add);
  }, qkv);
}

template Variable<float> scaled_dot_product_attention(const Variable<float>&, const Variable<float>&,
                                                      const Variable<float>&, AttentionConfig<float>,
                                                      core::Generator*);
template Variable<double> scaled_dot_product_attention(const Variable<double>&, const Variable<double>&,
                                                       const Variable<double>&, AttentionConfig<double>,
                                                       core::Generator*);

template Variable<float> packed_self_attention(const Variable<float>&, Index, AttentionConfig<float>, core::Generator*);
template Variable<double> packed_self_attention(const Variable<double>&, Index, AttentionConfig<double>,
                                                core::Generator*);

}  // namespace xgrad::autograd
