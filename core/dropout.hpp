#pragma once
// Dropout whose mask is a hash of (a seed, the element's index) instead of a stream of
// draws: an element's decision needs no other's, so the kernel runs in SIMD and in
// parallel, gives the same bits on any thread count, and the backward recomputes the
// mask instead of keeping it. core::bernoulli (one double draw per element, on one
// thread) cost a fifth of a Transformer layer's training step.
#include <cstdint>

#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// out[i] = keep(first + i) ? in[i] / (1 - p) : 0 for i in [0, n), where element g is
/// dropped when the high 32 bits of splitmix64(seed + g * golden) are below p 2^32.
/// `first` is the index of in[0] in the whole tensor (a data-parallel shard's offset),
/// so shards together drop what one process drops. out may alias in.
template <class T>
void hashed_dropout(T* out, const T* in, Index n, Index first, T p, std::uint64_t seed);

}  // namespace xgrad::core
