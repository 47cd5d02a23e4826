#pragma once
// The public API of xgrad, one include away.
#include "xgrad/core/core.hpp"
#if __has_include("xgrad/autograd/autograd.hpp")
#include "xgrad/autograd/autograd.hpp"
#endif
#if __has_include("xgrad/nn/nn.hpp")
#include "xgrad/nn/nn.hpp"
#endif
#if __has_include("xgrad/models/models.hpp")
#include "xgrad/models/models.hpp"
#endif
