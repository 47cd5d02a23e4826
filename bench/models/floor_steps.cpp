// The floors of the convolutional steps, shared by floor_bench.cpp and the test that
// their convolutions take the steps' paths (bench/models/floor_test.cpp).
#include "floor.hpp"

namespace xgrad::bench {
namespace {

// A residual block of the VQ-VAE on 7x7: relu, conv 3x3 (64 -> 32, padding 1), relu,
// conv 1x1 (32 -> 64), added to its input; core::residual_block runs both convolutions'
// passes on oneDNN.
void residual_block(Floor& f, Index batch) {
  f.conv(batch, 64, 32, 7, 3, 1, 1, true, true);
  f.conv(batch, 32, 64, 7, 1, 1, 0, true, true);
}

}  // namespace

// BM_ConvVaeStep: conv 4x4/2 1->32 (28 -> 14), 32->64 (14 -> 7), Linear 3136-400, heads
// 400-20 (x2); decoder 20-400-3136, transposed conv 64->32 (7 -> 14), 32->1 (14 -> 28).
Floor conv_vae_step_floor() {
  Floor f;
  const Index b = 128;
  f.conv(b, 1, 32, 28, 4, 2, 1, false), f.conv(b, 32, 64, 14, 4, 2, 1);
  f.linear(b, 3136, 400), f.linear(b, 400, 20), f.linear(b, 400, 20);
  f.linear(b, 20, 400), f.linear(b, 400, 3136);
  f.conv_transpose(b, 64, 32, 7, 4, 2, 1), f.conv_transpose(b, 32, 1, 14, 4, 2, 1);
  return f;
}

// BM_VqVaeStep, batch 128: encoder conv 4x4/2 1->32 (28 -> 14), 32->64 (14 -> 7), two
// residual blocks, conv 1x1 64->64 (a Linear on the blocks' 128 x 49 rows of channels,
// nn::Sequential::forward_rows); the quantizer's distances to K = 128 codes of D = 64
// for 128 x 49 grid positions (forward only: the gradient goes straight through);
// decoder conv 3x3 64->64, two residual blocks, transposed conv 64->32 (7 -> 14), 32->1.
Floor vq_vae_step_floor() {
  Floor f;
  const Index b = 128;
  f.conv(b, 1, 32, 28, 4, 2, 1, false), f.conv(b, 32, 64, 14, 4, 2, 1);
  residual_block(f, b), residual_block(f, b);
  f.linear(b * 49, 64, 64);
  f.product(false, true, b * 49, 128, 64);
  f.conv(b, 64, 64, 7, 3, 1, 1);
  residual_block(f, b), residual_block(f, b);
  f.conv_transpose(b, 64, 32, 7, 4, 2, 1), f.conv_transpose(b, 32, 1, 14, 4, 2, 1);
  return f;
}

}  // namespace xgrad::bench
