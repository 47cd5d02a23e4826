#include "xgrad/nn/distributions/distribution.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::nn {

template <class T>
autograd::Variable<T> sum_event(const autograd::Variable<T>& x, int n_event_dims) {
  if (n_event_dims < 0 || n_event_dims > x.dim())
    throw core::ShapeError(
        fmt::format("sum_event: cannot sum the last {} axes of a tensor of shape {}", n_event_dims, x.shape().str()));
  if (n_event_dims == 0) return x;
  core::Axes axes;
  for (int i = x.dim() - n_event_dims; i < x.dim(); ++i) axes.push_back(i);
  return autograd::sum(x, axes);
}

template <class T>
autograd::Variable<T> sum_rows(const autograd::Variable<T>& x) {
  if (x.dim() <= 1) return x;
  if (x.dim() == 2) return autograd::sum(x, {1});  // already (B, D): a reshape would only copy it
  return autograd::sum(autograd::reshape(x, core::Shape{x.size(0), x.numel() / x.size(0)}), {1});
}

template <class T>
autograd::Variable<T> Distribution<T>::log_prob_rows(const autograd::Variable<T>& value) const {
  return sum_rows(log_prob(value));
}

template <class T>
autograd::Variable<T> Distribution<T>::rsample(core::Generator&) const {
  throw core::ValueError(fmt::format("{} has no reparameterised sample (rsample): its draws carry no gradient; use a "
                                     "score-function or straight-through estimator",
                                     name()));
}

template class Distribution<float>;
template class Distribution<double>;
template autograd::Variable<float> sum_rows(const autograd::Variable<float>&);
template autograd::Variable<double> sum_rows(const autograd::Variable<double>&);
template autograd::Variable<float> sum_event(const autograd::Variable<float>&, int);
template autograd::Variable<double> sum_event(const autograd::Variable<double>&, int);

}  // namespace xgrad::nn
