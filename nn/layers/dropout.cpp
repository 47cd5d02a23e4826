#include "xgrad/nn/layers/dropout.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_fused.hpp"

namespace xgrad::nn {

namespace {
void check_p(float p) {
  if (!(p >= 0.f && p < 1.f)) throw core::ValueError(fmt::format("Dropout: probability {} is outside [0, 1)", p));
}
}  // namespace

Dropout::Dropout(const DropoutOptions& options) : options(options), own_(options.seed), gen_(&own_) {
  check_p(options.p);
}

Dropout::Dropout(const DropoutOptions& options, core::Generator& gen) : options(options), gen_(&gen) {
  check_p(options.p);
}

Var Dropout::forward(const Var& x) { return autograd::dropout(x, options.p, is_training(), *gen_); }

std::string Dropout::describe() const { return fmt::format("Dropout(p {})", options.p); }

}  // namespace xgrad::nn
