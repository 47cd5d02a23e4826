#pragma once
// Denoising autoencoder ("dae", Vincent et al. 2008): the autoencoder (ae.hpp) trained
// to reconstruct the clean x from a corrupted copy x~ ~ q(x~ | x) drawn afresh at every
// step: loss = mean_b -log p(x | code(x~)). Only training corrupts; evaluate, encode
// and reconstruct take their input as given (pass corrupted images to restore them).
#include "xgrad/models/ae.hpp"
#include "xgrad/nn/data/corruption.hpp"

namespace xgrad::models {

struct DaeOptions {
  AutoencoderOptions autoencoder{};
  /// Vincent et al. 2008's masking noise, at the 25 % their experiments used most.
  nn::Corruption corruption{.kind = nn::Corruption::Kind::Mask, .amount = 0.25};
};

class Dae : public Autoencoder {
 public:
  Dae(const DaeOptions& options, core::Generator& gen) : Autoencoder(options.autoencoder, gen), corruption(options.corruption) {}
  std::string kind() const override { return "dae"; }
  std::string describe() const override { return Autoencoder::describe() + ", corruption " + corruption.str(); }

  const nn::Corruption corruption;

 protected:
  /// x~ ~ q(x~ | x), from the step's generator.
  Batch training_input(const Batch& batch, core::Generator& gen) override { return corruption.apply(batch, gen); }
};

}  // namespace xgrad::models
