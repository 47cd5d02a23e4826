#include "xgrad/nn/layers/mlp.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "xgrad/nn/layers/linear.hpp"

namespace xgrad::nn {

MLP::MLP(const MLPOptions& options, core::Generator& gen) : options(options) {
  if (options.sizes.size() < 2)
    throw core::ValueError(
        fmt::format("MLP: needs at least an input and an output size, got {} size(s)", options.sizes.size()));
  for (std::size_t i = 0; i + 1 < options.sizes.size(); ++i) {
    push_back(make<Linear>(LinearOptions{options.sizes[i], options.sizes[i + 1], options.bias}, gen));
    if (i + 2 < options.sizes.size() || options.activate_last) push_back(make_activation(options.activation));
  }
}

std::string MLP::describe() const { return fmt::format("MLP({})", fmt::join(options.sizes, " -> ")); }

}  // namespace xgrad::nn
