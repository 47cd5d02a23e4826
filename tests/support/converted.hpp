#pragma once
// A tensor's values in another element type (float results against the double path).
#include <algorithm>

#include "xgrad/core/tensor.hpp"

namespace xgrad::test {

template <class To, class From>
core::Tensor<To> converted(const core::Tensor<From>& x) {
  core::Tensor<To> out(x.shape());
  std::transform(x.data(), x.data() + x.numel(), out.data(), [](From v) { return static_cast<To>(v); });
  return out;
}

}  // namespace xgrad::test
