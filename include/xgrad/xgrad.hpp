#pragma once
// The public API of xgrad, one include away: core, autograd, nn and models.
#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"
#include "xgrad/models/models.hpp"
#include "xgrad/nn/nn.hpp"
