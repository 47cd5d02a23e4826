#pragma once
// Error-message helpers for core's .cpp files.
#include <fmt/format.h>

#include "xgrad/core/error.hpp"
#include "xgrad/core/shape.hpp"

template <>
struct fmt::formatter<xgrad::core::Shape> : fmt::formatter<std::string> {
  auto format(const xgrad::core::Shape& s, format_context& ctx) const {
    return fmt::formatter<std::string>::format(s.str(), ctx);
  }
};

namespace xgrad::core::detail {

template <class E = ShapeError, class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw E(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace xgrad::core::detail
