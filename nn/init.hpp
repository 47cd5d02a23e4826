#pragma once
// Parameter initialisation, in place, with the formulas (and defaults) of
// torch.nn.init. Draws come from a core::Generator, so a seed reproduces a model;
// the distributions match PyTorch's (bounds, std), not its exact numbers.
#include <utility>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn::init {

enum class Nonlinearity { Linear, Sigmoid, Tanh, ReLU, LeakyReLU };
enum class FanMode { FanIn, FanOut };

/// Recommended gain for a nonlinearity: 1, 1, 5/3, sqrt(2), sqrt(2 / (1 + slope^2)).
double calculate_gain(Nonlinearity nonlinearity, double slope = 0.01);
/// (fan_in, fan_out) = (size(1) * receptive field, size(0) * receptive field); rank >= 2.
std::pair<Index, Index> fans(const Shape& shape);

/// U(lo, hi)
void uniform_(Tensor& t, double lo, double hi, core::Generator& gen);
/// N(mean, std^2)
void normal_(Tensor& t, double mean, double stddev, core::Generator& gen);
void constant_(Tensor& t, double value);
void zeros_(Tensor& t);
void ones_(Tensor& t);
/// U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
void xavier_uniform_(Tensor& t, core::Generator& gen, double gain = 1.0);
/// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
void xavier_normal_(Tensor& t, core::Generator& gen, double gain = 1.0);
/// U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).
void kaiming_uniform_(Tensor& t, core::Generator& gen, double a = 0.0, FanMode mode = FanMode::FanIn,
                      Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
/// N(0, std^2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).
void kaiming_normal_(Tensor& t, core::Generator& gen, double a = 0.0, FanMode mode = FanMode::FanIn,
                     Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
/// gain * Q, Q with orthonormal rows or columns (whichever are fewer), from the QR of a
/// standard normal (size(0), numel / size(0)) matrix with R's diagonal made positive.
void orthogonal_(Tensor& t, core::Generator& gen, double gain = 1.0);

// The same on a variable's value (parameters are Vars): init::xavier_uniform_(fc->weight, gen).
inline void uniform_(Var& v, double lo, double hi, core::Generator& gen) { uniform_(v.value_mut(), lo, hi, gen); }
inline void normal_(Var& v, double mean, double stddev, core::Generator& gen) {
  normal_(v.value_mut(), mean, stddev, gen);
}
inline void constant_(Var& v, double value) { constant_(v.value_mut(), value); }
inline void zeros_(Var& v) { zeros_(v.value_mut()); }
inline void ones_(Var& v) { ones_(v.value_mut()); }
inline void xavier_uniform_(Var& v, core::Generator& gen, double gain = 1.0) {
  xavier_uniform_(v.value_mut(), gen, gain);
}
inline void xavier_normal_(Var& v, core::Generator& gen, double gain = 1.0) {
  xavier_normal_(v.value_mut(), gen, gain);
}
inline void kaiming_uniform_(Var& v, core::Generator& gen, double a = 0.0, FanMode mode = FanMode::FanIn,
                             Nonlinearity nonlinearity = Nonlinearity::LeakyReLU) {
  kaiming_uniform_(v.value_mut(), gen, a, mode, nonlinearity);
}
inline void kaiming_normal_(Var& v, core::Generator& gen, double a = 0.0, FanMode mode = FanMode::FanIn,
                            Nonlinearity nonlinearity = Nonlinearity::LeakyReLU) {
  kaiming_normal_(v.value_mut(), gen, a, mode, nonlinearity);
}
inline void orthogonal_(Var& v, core::Generator& gen, double gain = 1.0) { orthogonal_(v.value_mut(), gen, gain); }

}  // namespace xgrad::nn::init
