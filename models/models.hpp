#pragma once
// The models layer: the VAE family on the shared primitives of models/common.
#include "xgrad/models/aae.hpp"
#include "xgrad/models/beta_vae.hpp"
#include "xgrad/models/common/common.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/rnn_lm.hpp"
#include "xgrad/models/sequence_input.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/models/vq_vae.hpp"
#include "xgrad/models/vrnn.hpp"
