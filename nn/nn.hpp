#pragma once
// The nn layer: Module, layers, initialisation (losses, optimizers, distributions,
// data and serialization add their headers here).
#include "xgrad/nn/init.hpp"
#include "xgrad/nn/layers/activation.hpp"
#include "xgrad/nn/layers/conv.hpp"
#include "xgrad/nn/layers/dropout.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/flatten.hpp"
#include "xgrad/nn/layers/layer.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/mlp.hpp"
#include "xgrad/nn/layers/norm.hpp"
#include "xgrad/nn/layers/rnn.hpp"
#include "xgrad/nn/layers/rnn_cell.hpp"
#include "xgrad/nn/layers/sequential.hpp"
#include "xgrad/nn/module.hpp"
