#pragma once
// Total correlation (Watanabe 1960) of a code distribution, TC = KL(q(z) || prod_d q(z_d)):
// what FactorVAE and beta-TCVAE penalise and what `xgrad eval` reports. The parts:
//   permute_dims          draws from prod_d q(z_d) by shuffling each dimension of a batch
//                         of codes independently across the batch (Kim & Mnih 2018, Alg. 1);
//   pairwise_log_density  log q(z_i | x_j) of every code i under every example j's
//                         posterior, per dimension: the minibatch estimate of q(z);
//   decompose_kl          Chen et al. 2018's split of E KL(q(z|x) || p(z)) into index-code
//                         mutual information, total correlation and dimension-wise KL,
//                         with minibatch-weighted or minibatch-stratified sampling;
//   total_correlation     the same estimate of TC for a whole set of codes, without
//                         gradient and in bounded memory (evaluation).
// All are differentiable (except the last) and templated for gradchecks in double.
#include <cstdint>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/distributions/normal.hpp"

namespace xgrad::models {

/// z (B, D) with each column permuted by its own random permutation of the rows (a gather:
/// the gradient flows back to the rows the values came from).
template <class T>
autograd::Variable<T> permute_dims(const autograd::Variable<T>& z, core::Generator& gen);

/// (B, B, D): out[i][j][d] = log q(z_{i,d} | x_j) for the posteriors q (batch (B, D)) and the
/// codes z (B, D).
template <class T>
autograd::Variable<T> pairwise_log_density(const nn::Normal<T>& q, const autograd::Variable<T>& z);

/// How q(z_i) = (1/N) sum_n q(z_i | x_n) is estimated from a minibatch of M (Chen et al. 2018, App. C).
enum class TcSampling {
  MinibatchWeighted,    ///< MWS: log q(z_i) ~ logsumexp_j log q(z_i | x_j) - log(N M)
  MinibatchStratified,  ///< MSS: the batch weighted as a stratified sample (own example 1/N)
};

/// The three parts of the KL, per example (B): their batch means sum to the mean KL in
/// expectation (exactly to the batch estimate: mi + tc + dim_kl = log q(z|x) - log p(z)).
template <class T>
struct KlDecomposition {
  autograd::Variable<T> mi;      ///< log q(z|x) - log q(z)               (index-code MI)
  autograd::Variable<T> tc;      ///< log q(z) - sum_d log q(z_d)          (total correlation)
  autograd::Variable<T> dim_kl;  ///< sum_d log q(z_d) - log p(z_d)         (dimension-wise KL)
};

/// The decomposition at codes z (B, D) drawn from q (batch (B, D)) against p = N(0, I);
/// `dataset_size` is N, the number of examples q(z) averages over (N >= B).
template <class T>
KlDecomposition<T> decompose_kl(const nn::Normal<T>& q, const autograd::Variable<T>& z, std::int64_t dataset_size,
                                TcSampling sampling = TcSampling::MinibatchWeighted);

/// TC of the aggregate posterior of a set of N examples whose posteriors are N(mu, exp(logvar))
/// (N, D): one code z_i ~ q(z | x_i) per example, q(z) the exact mixture over the N,
/// TC = mean_i [log q(z_i) - sum_d log q(z_{i,d})], in nats. O(N^2 D) time, O(N D) memory.
double total_correlation(const core::Tensor<float>& mu, const core::Tensor<float>& logvar, core::Generator& gen);

}  // namespace xgrad::models

namespace xgrad::models {

/// The beta-TCVAE objective (Chen et al. 2018, eq. 4) as an object:
/// loss = mean_b [-log p(x|z) + alpha MI + beta TC + gamma dim-KL], the KL split by
/// decompose_kl with `dataset_size` = N. alpha = gamma = 1 is the ELBO with TC weighted beta.
struct TcDecomposedLoss {
  double alpha = 1, beta = 6, gamma = 1;
  std::int64_t dataset_size = 60000;
  TcSampling sampling = TcSampling::MinibatchWeighted;

  /// The loss and the batch means of its parts ("mi", "tc", "dim_kl"), from the
  /// reconstruction log-likelihood (B), the posterior q (B, D) and the draw z.
  struct Result {
    autograd::Variable<float> loss;
    double mi = 0, tc = 0, dim_kl = 0;
  };
  Result operator()(const autograd::Variable<float>& recon_log_lik, const nn::Normal<>& q,
                    const autograd::Variable<float>& z) const;
};

}  // namespace xgrad::models
