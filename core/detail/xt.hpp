#pragma once
// The one entry point to xtensor for kernel files (.cpp only, never a public
// header). It pins xsimd on and the allocator alignment, so every translation
// unit agrees on xt::xtensor's type whatever -m flags it sees.
#ifndef XTENSOR_USE_XSIMD
#define XTENSOR_USE_XSIMD
#endif
#include <xsimd/xsimd.hpp>
#define XTENSOR_DEFAULT_ALLOCATOR(T) xsimd::aligned_allocator<T, 64>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

/// A rank-1 xtensor view over n contiguous elements (no copy, no ownership).
template <class T>
auto flat(T* p, Index n) {
  return xt::adapt(p, static_cast<std::size_t>(n), xt::no_ownership(), std::array<std::size_t, 1>{static_cast<std::size_t>(n)});
}

}  // namespace xgrad::core::detail
