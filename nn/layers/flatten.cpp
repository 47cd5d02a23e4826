#include "xgrad/nn/layers/flatten.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::nn {

Var Flatten::forward(const Var& x) { return autograd::flatten(x, options.start, options.end); }

std::string Flatten::describe() const { return fmt::format("Flatten({}, {})", options.start, options.end); }

Var Unflatten::forward(const Var& x) {
  const int axis = core::normalize_axis(options.axis, x.dim(), "Unflatten");
  const Index size = x.size(axis);
  Index known = 1;
  int inferred = 0;
  for (Index d : options.sizes) {
    if (d == -1)
      ++inferred;
    else
      known *= d;
  }
  const bool fits = inferred == 0 ? known == size : inferred == 1 && known > 0 && size % known == 0;
  if (!fits)
    throw core::ShapeError(fmt::format("Unflatten: axis {} of input shape {} (size {}) cannot become {}", axis,
                                       x.shape().str(), size, options.sizes.str()));
  Shape out;
  for (int i = 0; i < axis; ++i) out.push_back(x.size(i));
  for (Index d : options.sizes) out.push_back(d == -1 ? size / known : d);
  for (int i = axis + 1; i < x.dim(); ++i) out.push_back(x.size(i));
  return autograd::reshape(x, out);
}

std::string Unflatten::describe() const { return fmt::format("Unflatten({}, {})", options.axis, options.sizes.str()); }

}  // namespace xgrad::nn
