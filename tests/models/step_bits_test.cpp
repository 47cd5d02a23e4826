// A digest of the bits a few training steps of the VQ-VAE and the hierarchical VAE
// give (the losses and every parameter after them), for comparing two builds: a
// change claimed to keep the bits must print the same lines as the build before it.
// Hidden (run it by its tag, "[.step-bits]"): the bits depend on the CPU's kernels,
// so there is no value to check against, only another build on the same machine.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "xgrad/core/random.hpp"
#include "xgrad/models/hvae.hpp"
#include "xgrad/models/vq_vae.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

/// FNV-1a over the bytes of every parameter, in registration order.
std::uint64_t parameter_hash(const nn::Module& m) {
  std::uint64_t h = 1469598103934665603ull;
  for (const auto& [name, p] : m.named_parameters())
    for (const float v : p.value()) {
      std::uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      for (int b = 0; b < 4; ++b) h = (h ^ ((bits >> (8 * b)) & 0xffu)) * 1099511628211ull;
    }
  return h;
}

template <class Model>
void print_digest(const char* name, Model& model, core::Generator& gen) {
  const nn::Batch batch{.x = core::uniform<float>({128, 784}, 0.f, 1.f, gen), .y = {}, .labels = {}};
  Stepper stepper(model, gen);
  std::string losses;
  for (int i = 0; i < 3; ++i) losses += fmt::format(" {:a}", stepper.step(batch).loss);
  WARN(fmt::format("{}: losses{}; parameters {:016x}", name, losses, parameter_hash(model)));
}

}  // namespace

TEST_CASE("the vq-vae and hvae benchmark steps print a digest of their bits", "[.step-bits]") {
  core::Generator g1(0);
  VqVae vq(VqVaeOptions{}, g1);
  print_digest("vq-vae", vq, g1);
  core::Generator g2(0);
  Hvae hvae(HvaeOptions{.objective = ElboLoss(KlSchedule::parse("linear:1000,group-free-bits:1"))}, g2);
  print_digest("hvae", hvae, g2);
}
