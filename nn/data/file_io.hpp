#pragma once
// Whole-file reads and gzip decompression shared by the readers. Datasets here
// are small enough (the largest, Fashion-MNIST's training images, is 47 MB) to
// read at once, which keeps every parser a function of a byte string — the
// form the fuzz targets call.
#include <cstddef>
#include <string>
#include <string_view>

namespace xgrad::nn {

/// The file's bytes; throws DataError "<what>: <path>: <strerror>" when it cannot be read.
std::string read_file_bytes(const std::string& path, std::string_view what);

/// True when `bytes` start with the gzip magic (1f 8b).
bool is_gzip(std::string_view bytes);

/// Inflates a gzip stream (several concatenated members are allowed, as gunzip
/// does). Throws DataError "<what>: <source>: ..." for corrupt or truncated data
/// or when the output would exceed `max_bytes`.
std::string gunzip(std::string_view bytes, std::string_view what, const std::string& source,
                   std::size_t max_bytes = std::size_t(1) << 32);

}  // namespace xgrad::nn
