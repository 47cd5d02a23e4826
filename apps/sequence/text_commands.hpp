#pragma once
// The text group's subcommands that live in files of their own, as text_commands.cpp adds
// them (the exception to one header per .cpp, like series_commands.hpp), and what they share.
#include <string>

#include <CLI/CLI.hpp>

#include "xgrad/core/tensor.hpp"

namespace xgrad::apps {

/// text interpolate (text_interpolate.cpp).
void add_text_interpolate(CLI::App& text);

/// Bytes stored as floats (what the text models emit) as a string.
inline std::string bytes_of(const core::Tensor<float>& ids) {
  std::string out;
  for (float v : ids) out.push_back(static_cast<char>(static_cast<unsigned char>(v)));
  return out;
}

}  // namespace xgrad::apps
