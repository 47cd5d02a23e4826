#pragma once
// The autograd layer: Variable, engine, differentiable ops, gradcheck.
#include "xgrad/autograd/gradcheck.hpp"
#include "xgrad/autograd/op_list.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_norm.hpp"
#include "xgrad/autograd/ops_attention.hpp"
#include "xgrad/autograd/ops_recurrent.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/autograd/variable.hpp"
