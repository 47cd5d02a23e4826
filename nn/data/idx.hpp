#pragma once
// IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic (two zero
// bytes, an element type code, the rank), one big-endian uint32 size per
// dimension, then the elements, big-endian, row-major. Files may be gzipped
// (detected by content, not by name).
#include <cstdint>
#include <string>
#include <string_view>

#include "xgrad/core/tensor.hpp"

namespace xgrad::nn {

enum class IdxType : std::uint8_t { U8 = 0x08, I8 = 0x09, I16 = 0x0B, I32 = 0x0C, F32 = 0x0D, F64 = 0x0E };

/// "unsigned byte", "float", ... (for messages).
std::string_view idx_type_name(IdxType t);
/// Bytes per element.
std::size_t idx_type_size(IdxType t);

/// A decoded, validated IDX array: its element type, its sizes, and the payload
/// still in the file's big-endian byte order (conversion picks the target type).
struct IdxArray {
  IdxType type = IdxType::U8;
  core::Shape shape;
  std::string payload;  ///< exactly shape.numel() * idx_type_size(type) bytes
  std::string source;   ///< names the data in error messages (usually the path)
  std::string what = "idx";

  /// Every element as float, multiplied by `scale` (1/255 maps bytes to [0, 1]).
  core::Tensor<float> to_float(double scale = 1.0) const;
  /// Every element as Index; integer element types only.
  core::IndexTensor to_index() const;
};

/// Validates and decodes bytes (plain or gzip). Errors are DataError
/// "<what>: <source>: <problem>".
IdxArray decode_idx(std::string_view bytes, const std::string& source, std::string_view what = "idx");
IdxArray read_idx(const std::string& path, std::string_view what = "idx");

/// Unsigned-byte images of rank >= 2, scaled to [0, 1]; shape as stored, e.g. (N, 28, 28).
core::Tensor<float> read_idx_images(const std::string& path, std::string_view what = "idx");
/// Integer labels of rank 1, shape (N,).
core::IndexTensor read_idx_labels(const std::string& path, std::string_view what = "idx");

}  // namespace xgrad::nn
