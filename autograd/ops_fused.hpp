#pragma once
// Fused ops with stable formulas, and their own gradients: what the models'
// losses and ELBO terms are made of. "Reduction-free": each returns per-element
// or per-row values; callers sum or average.
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/random.hpp"

namespace xgrad::autograd {

/// x - logsumexp(x, axis, keepdim=true).
template <class T> Variable<T> log_softmax(const Variable<T>& x, int axis = -1);
template <class T> Variable<T> softmax(const Variable<T>& x, int axis = -1);
/// Element-wise -[t log sigmoid(z) + (1-t) log(1 - sigmoid(z))]
///   = max(z, 0) - z t + log1p(exp(-|z|)); targets t in [0, 1] (no gradient to t).
template <class T> Variable<T> bce_with_logits(const Variable<T>& logits, const Tensor<T>& targets);
/// Per-row -log softmax(logits)[label] for logits (..., C) and labels (...) in [0, C): the
/// loss has the labels' shape (e.g. (N, C) and (N,), a sequence's (B, L, C) and (B, L), or (C)
/// and a 0-d label).
template <class T> Variable<T> cross_entropy(const Variable<T>& logits, const core::IndexTensor& labels);
/// Element-wise log N(x; mu, exp(logvar)) = -0.5 [log 2 pi + logvar + (x - mu)^2 exp(-logvar)]; all broadcast.
template <class T>
Variable<T> gaussian_log_prob(const Variable<T>& x, const Variable<T>& mu, const Variable<T>& logvar);
/// Element-wise KL(N(mu_q, e^lv_q) || N(mu_p, e^lv_p))
///   = 0.5 [lv_p - lv_q + (e^lv_q + (mu_q - mu_p)^2) e^-lv_p - 1]; all broadcast.
template <class T>
Variable<T> kl_diag_gaussians(const Variable<T>& mu_q, const Variable<T>& logvar_q, const Variable<T>& mu_p,
                              const Variable<T>& logvar_p);
/// Element-wise KL(N(mu, e^lv) || N(0, 1)) = 0.5 [mu^2 + e^lv - 1 - lv].
template <class T> Variable<T> kl_std_normal(const Variable<T>& mu, const Variable<T>& logvar);
/// The VQ-VAE's codebook and commitment losses in one node, a and b (N, D):
///   wa mean_i ||a_i - sg(b_i)||^2 + wb mean_i ||sg(a_i) - b_i||^2 (sg: no gradient through it),
/// a scalar; a's gradient is 2 wa (a - b) / N, b's 2 wb (b - a) / N.
template <class T> Variable<T> vq_distance_loss(const Variable<T>& a, const Variable<T>& b, double wa, double wb);
/// Zeroes each element with probability p and scales the rest by 1/(1-p); the mask
/// comes from `gen`. Identity when !training or p == 0.
template <class T> Variable<T> dropout(const Variable<T>& x, T p, bool training, core::Generator& gen);
/// Dropout whose mask hashes one draw from `gen` with each element's index (core/dropout.hpp):
/// SIMD and parallel, and the backward recomputes the mask. Not the same mask as dropout()'s
/// for one generator, so models that use dropout() keep their streams. Identity when p == 0.
template <class T> Variable<T> hashed_dropout(const Variable<T>& x, T p, core::Generator& gen);

}  // namespace xgrad::autograd
