#include "xgrad/nn/distributions/normal.hpp"

#include <cmath>
#include <numbers>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/elementwise.hpp"

namespace xgrad::nn {

namespace ag = xgrad::autograd;

template <class T>
Normal<T>::Normal(autograd::Variable<T> mean, autograd::Variable<T> logvar)
    : mean_(std::move(mean)), logvar_(std::move(logvar)) {
  if (!mean_.defined() || !logvar_.defined()) throw core::ValueError("Normal: mean and logvar must be defined");
  shape_ = core::broadcast_shapes(mean_.shape(), logvar_.shape(), "Normal");
}

template <class T>
Normal<T>::Normal(Var mean, Var logvar, core::Shape shape, bool standard)
    : mean_(std::move(mean)), logvar_(std::move(logvar)), shape_(shape), standard_(standard) {}

template <class T>
Normal<T> Normal<T>::standard(const core::Shape& shape) {
  // One shared zero serves as both parameters: they broadcast, and nothing learns them.
  Var zero(core::Tensor<T>::scalar(T(0)));
  return Normal(zero, zero, shape, true);
}

template <class T>
typename Normal<T>::Var Normal<T>::broadcast(const Var& x) const {
  return x.shape() == shape_ ? x : ag::broadcast_to(x, shape_);
}

template <class T>
typename Normal<T>::Var Normal<T>::mean() const {
  return broadcast(mean_);
}

template <class T>
typename Normal<T>::Var Normal<T>::stddev() const {
  return broadcast(ag::exp(ag::mul(logvar_, T(0.5))));
}

template <class T>
typename Normal<T>::Var Normal<T>::variance() const {
  return broadcast(ag::exp(logvar_));
}

template <class T>
typename Normal<T>::Var Normal<T>::rsample(core::Generator& gen) const {
  // eps is drawn once and held by the graph, so backward sees the same noise.
  Var eps(core::normal<T>(shape_, T(0), T(1), gen));
  if (standard_) return eps;
  return ag::add(mean_, ag::mul(ag::exp(ag::mul(logvar_, T(0.5))), eps));
}

template <class T>
core::Tensor<T> Normal<T>::sample_tensor(core::Generator& gen) const {
  autograd::NoGradGuard no_grad;
  return rsample(gen).value();
}

template <class T>
typename Normal<T>::Var Normal<T>::log_prob(const Var& x) const {
  return ag::gaussian_log_prob(x, mean_, logvar_);
}

template <class T>
typename Normal<T>::Var Normal<T>::entropy() const {
  const T c = T(0.5) * (T(1) + std::log(T(2) * std::numbers::pi_v<T>));
  return broadcast(ag::add(ag::mul(logvar_, T(0.5)), c));
}

template class Normal<float>;
template class Normal<double>;

template <class T>
Normal<T> precision_weighted(const Normal<T>& a, const Normal<T>& b) {
  const auto& la = a.logvar();
  const auto& lb = b.logvar();
  const auto wa = ag::sigmoid(ag::sub(lb, la));  // prec_a / (prec_a + prec_b)
  const auto mean = ag::add(b.loc(), ag::mul(wa, ag::sub(a.loc(), b.loc())));
  return Normal<T>(mean, ag::sub(la, ag::softplus(ag::sub(la, lb))));
}

template Normal<float> precision_weighted(const Normal<float>&, const Normal<float>&);
template Normal<double> precision_weighted(const Normal<double>&, const Normal<double>&);

}  // namespace xgrad::nn
