#pragma once
// Every differentiable op, in one list. A node records which op made it by an
// OpId from this list, so an op cannot exist without an entry here; the gradcheck
// test walks the same list and fails when an op has no gradcheck case.
namespace xgrad::autograd {

// clang-format off
#define XGRAD_AUTOGRAD_OPS(X) \
  /* element-wise, binary with broadcasting */ \
  X(add) X(sub) X(mul) X(div) X(pow) X(maximum) X(minimum) \
  /* with a scalar */ \
  X(add_scalar) X(mul_scalar) X(rsub_scalar) X(rdiv_scalar) X(pow_scalar) \
  /* unary */ \
  X(neg) X(exp) X(log) X(log1p) X(expm1) X(sqrt) X(rsqrt) X(abs) X(square) X(clamp) \
  X(tanh) X(sigmoid) X(relu) X(leaky_relu) X(elu) X(softplus) X(gelu) X(where) \
  /* reductions */ \
  X(sum) X(mean) X(var) X(max) X(min) X(logsumexp) \
  /* shape */ \
  X(reshape) X(permute) X(slice) X(concat) X(stack) X(split) X(index_select) X(embedding) X(gather) X(broadcast_to) \
  /* products */ \
  X(matmul) X(linear) X(linear_relu) X(linear_gelu) X(linear_residual) X(linear_one_hot) X(linear_one_hot_relu) \
  X(conv2d) X(conv_transpose2d) X(residual_stack) \
  /* fused, numerically stable */ \
  X(log_softmax) X(softmax) X(bce_with_logits) X(cross_entropy) X(gaussian_log_prob) X(kl_diag_gaussians) \
  X(kl_std_normal) X(vq_distance_loss) X(dropout) X(hashed_dropout) X(layer_norm) \
  /* fused recurrent cells */ \
  X(gru_cell) \
  /* fused attention */ \
  X(attention) X(packed_self_attention)
// clang-format on

enum class OpId {
#define XGRAD_OP_ENUM(name) name,
  XGRAD_AUTOGRAD_OPS(XGRAD_OP_ENUM)
#undef XGRAD_OP_ENUM
      leaf,
};

/// The op's name as written in the list ("add", "conv2d", ...; "leaf" for inputs).
const char* op_name(OpId op);

}  // namespace xgrad::autograd
