#pragma once
// The core layer: tensors and their kernels, no gradients.
#include "xgrad/core/blas.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/core/memory.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/shape.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/core/tensor.hpp"
