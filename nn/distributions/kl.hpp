#pragma once
// kl_divergence(q, p) = E_q[log q - log p], analytic. Overloaded on the concrete
// types (resolved at compile time); a pair without an overload does not compile.
// Through the Distribution base it dispatches on the dynamic types and throws
// core::ValueError for a pair without a closed form
// ("kl_divergence: no closed form for MixtureOfGaussians and Normal").
// Results are not summed: element-wise for Normal and Bernoulli (the broadcast
// batch shape; use sum_event), per batch element for Categorical.
#include <concepts>

#include "xgrad/nn/distributions/bernoulli.hpp"
#include "xgrad/nn/distributions/categorical.hpp"
#include "xgrad/nn/distributions/distribution.hpp"
#include "xgrad/nn/distributions/mixture.hpp"
#include "xgrad/nn/distributions/normal.hpp"

namespace xgrad::nn {

/// 0.5 [lv_p - lv_q + (e^lv_q + (mu_q - mu_p)^2) e^-lv_p - 1] (kl_diag_gaussians), or
/// 0.5 [mu^2 + e^lv - 1 - lv] (kl_std_normal) when p is Normal::standard.
template <class T>
autograd::Variable<T> kl_divergence(const Normal<T>& q, const Normal<T>& p);
/// softplus(l_p) - softplus(l_q) + sigmoid(l_q) (l_q - l_p), element-wise.
template <class T>
autograd::Variable<T> kl_divergence(const Bernoulli<T>& q, const Bernoulli<T>& p);
/// sum_k q_k (log q_k - log p_k) over the last axis; both must have the same K.
template <class T>
autograd::Variable<T> kl_divergence(const Categorical<T>& q, const Categorical<T>& p);
/// Dispatches on the dynamic types to one of the above; throws for any other pair.
template <class T>
autograd::Variable<T> kl_divergence(const Distribution<T>& q, const Distribution<T>& p);
/// Whether kl_divergence(q, p) has a closed form for these dynamic types.
template <class T>
bool has_closed_form_kl(const Distribution<T>& q, const Distribution<T>& p);

/// A distribution type other than the base itself.
template <class D>
concept ConcreteDistribution = std::derived_from<D, Distribution<typename D::value_type>> &&
                               !std::same_as<D, Distribution<typename D::value_type>>;

/// Two concrete distributions without a closed-form KL: a compile-time error
/// rather than a runtime one (the base overload above is the runtime path).
template <ConcreteDistribution Q, ConcreteDistribution P>
autograd::Variable<typename Q::value_type> kl_divergence(const Q& q, const P& p) = delete;

}  // namespace xgrad::nn
