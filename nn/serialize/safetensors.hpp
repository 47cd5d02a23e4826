#pragma once
// safetensors files (the format PyTorch, JAX and others read): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
// with optional "__metadata__" (string to string), then the tensors' bytes.
// F32, F64 and I64 are supported. Readers reject malformed input with one line
// naming the file and the problem; writers are atomic.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::nn {

using AnyTensor = std::variant<core::Tensor<float>, core::Tensor<double>, core::Tensor<core::Index>>;

struct TensorFile {
  std::vector<std::pair<std::string, AnyTensor>> tensors;  ///< in file order (sorted by offset on read)
  std::map<std::string, std::string> metadata;
};

/// The file's bytes.
std::string encode_safetensors(const TensorFile& file);
/// Parses bytes; `source` names them in error messages (usually the path).
TensorFile decode_safetensors(std::string_view bytes, const std::string& source);

/// Writes atomically (temporary file in the same directory, fsync, rename, fsync the directory).
void save_safetensors(const std::string& path, const TensorFile& file);
TensorFile load_safetensors(const std::string& path);

}  // namespace xgrad::nn
