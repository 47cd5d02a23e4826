#include "xgrad/nn/data/idx.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"

namespace xgrad::nn {
namespace {

constexpr std::size_t kMagicBytes = 4;

bool valid_type(std::uint8_t code) {
  switch (code) {
    case 0x08: case 0x09: case 0x0B: case 0x0C: case 0x0D: case 0x0E: return true;
    default: return false;
  }
}

std::uint32_t load_be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t(u[0]) << 24) | (std::uint32_t(u[1]) << 16) | (std::uint32_t(u[2]) << 8) | std::uint32_t(u[3]);
}

// Reads element i of a big-endian payload as T (the host is little-endian or
// big-endian; assembling bytes by value works for both).
template <class T>
T load_be(const char* base, std::size_t i) {
  using U = std::conditional_t<sizeof(T) == 1, std::uint8_t,
            std::conditional_t<sizeof(T) == 2, std::uint16_t, std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  const auto* u = reinterpret_cast<const unsigned char*>(base) + i * sizeof(T);
  U v = 0;
  for (std::size_t b = 0; b < sizeof(T); ++b) v = static_cast<U>((v << 8) | u[b]);
  return std::bit_cast<T>(v);
}

template <class Out, class F>
void convert(const IdxArray& a, Out* out, F&& f) {
  const std::size_t n = a.payload.size() / idx_type_size(a.type);
  const char* p = a.payload.data();
  switch (a.type) {
    case IdxType::U8: for (std::size_t i = 0; i < n; ++i) out[i] = f(load_be<std::uint8_t>(p, i)); break;
    case IdxType::I8: for (std::size_t i = 0; i < n; ++i) out[i] = f(load_be<std::int8_t>(p, i)); break;
    case IdxType::I16: for (std::size_t i = 0; i < n; ++i) out[i] = f(load_be<std::int16_t>(p, i)); break;
    case IdxType::I32: for (std::size_t i = 0; i < n; ++i) out[i] = f(load_be<std::int32_t>(p, i)); break;
    case IdxType::F32: for (std::size_t i = 0; i < n; ++i) out[i] = f(load_be<float>(p, i)); break;
    case IdxType::F64: for (std::size_t i = 0; i < n; ++i) out[i] = f(load_be<double>(p, i)); break;
  }
}

}  // namespace

std::string_view idx_type_name(IdxType t) {
  switch (t) {
    case IdxType::U8: return "unsigned byte";
    case IdxType::I8: return "signed byte";
    case IdxType::I16: return "int16";
    case IdxType::I32: return "int32";
    case IdxType::F32: return "float";
    case IdxType::F64: return "double";
  }
  return "unknown";
}

std::size_t idx_type_size(IdxType t) {
  switch (t) {
    case IdxType::U8: case IdxType::I8: return 1;
    case IdxType::I16: return 2;
    case IdxType::I32: case IdxType::F32: return 4;
    case IdxType::F64: return 8;
  }
  return 1;
}

IdxArray decode_idx(std::string_view bytes, const std::string& source, std::string_view what) {
  auto fail = [&](const std::string& why) { throw DataError(fmt::format("{}: {}: {}", what, source, why)); };
  std::string data = is_gzip(bytes) ? gunzip(bytes, what, source) : std::string(bytes);

  if (data.size() < kMagicBytes)
    fail(fmt::format("file has {} bytes, too short for the 4-byte IDX magic", data.size()));
  const auto* u = reinterpret_cast<const unsigned char*>(data.data());
  if (u[0] != 0 || u[1] != 0)
    fail(fmt::format("bad magic {:02x} {:02x} {:02x} {:02x}: an IDX file starts with two zero bytes", u[0], u[1], u[2], u[3]));
  if (!valid_type(u[2]))
    fail(fmt::format("unknown element type code 0x{:02x} (expected 08, 09, 0b, 0c, 0d or 0e)", u[2]));
  const int rank = u[3];
  if (rank < 1 || rank > core::Shape::kMaxRank)
    fail(fmt::format("rank {} is outside 1 to {}", rank, core::Shape::kMaxRank));
  const std::size_t header = kMagicBytes + 4 * static_cast<std::size_t>(rank);
  if (data.size() < header)
    fail(fmt::format("truncated header: rank {} needs {} header bytes, file has {}", rank, header, data.size()));

  IdxArray a;
  a.type = static_cast<IdxType>(u[2]);
  a.source = source;
  a.what = std::string(what);
  // Products are computed in 128 bits and capped: eight 32-bit sizes can exceed 64 bits.
  constexpr unsigned __int128 kCap = UINT64_MAX;
  unsigned __int128 expected = idx_type_size(a.type), nonzero = 1;
  for (int d = 0; d < rank; ++d) {
    const std::uint32_t n = load_be32(data.data() + kMagicBytes + 4 * static_cast<std::size_t>(d));
    a.shape.push_back(static_cast<core::Index>(n));
    expected = std::min(expected * n, kCap);
    if (n != 0) nonzero = std::min(nonzero * n, kCap);
  }
  // Even with a zero size (and so no payload), the other sizes must multiply to
  // an int64: Shape::numel multiplies them in order and would overflow first.
  if (nonzero > static_cast<unsigned __int128>(INT64_MAX))
    fail(fmt::format("sizes {} are too large: the nonzero ones multiply past 2^63", a.shape.str()));
  const std::size_t payload = data.size() - header;
  if (expected != payload) {
    const std::string exp = expected >= UINT64_MAX ? std::string("more than 2^64") : std::to_string(static_cast<std::uint64_t>(expected));
    fail(fmt::format("payload has {} bytes, expected {} for {} sizes {}", payload, exp, idx_type_name(a.type), a.shape.str()));
  }
  data.erase(0, header);
  a.payload = std::move(data);
  return a;
}

IdxArray read_idx(const std::string& path, std::string_view what) {
  return decode_idx(read_file_bytes(path, what), path, what);
}

core::Tensor<float> IdxArray::to_float(double scale) const {
  core::Tensor<float> t(shape);
  // Double arithmetic makes 255 * (1/255) exactly 1.
  convert(*this, t.data(), [scale](auto v) { return static_cast<float>(static_cast<double>(v) * scale); });
  return t;
}

core::IndexTensor IdxArray::to_index() const {
  if (type == IdxType::F32 || type == IdxType::F64)
    throw DataError(fmt::format("{}: {}: element type {} cannot be read as integer labels", what, source, idx_type_name(type)));
  core::IndexTensor t(shape);
  convert(*this, t.data(), [](auto v) { return static_cast<core::Index>(v); });
  return t;
}

core::Tensor<float> read_idx_images(const std::string& path, std::string_view what) {
  IdxArray a = read_idx(path, what);
  if (a.type != IdxType::U8)
    throw DataError(fmt::format("{}: {}: images must be unsigned bytes, found {}", what, path, idx_type_name(a.type)));
  if (a.shape.rank() < 2)
    throw DataError(fmt::format("{}: {}: images need rank >= 2, found sizes {}", what, path, a.shape.str()));
  return a.to_float(1.0 / 255.0);
}

core::IndexTensor read_idx_labels(const std::string& path, std::string_view what) {
  IdxArray a = read_idx(path, what);
  if (a.shape.rank() != 1)
    throw DataError(fmt::format("{}: {}: labels need rank 1, found sizes {}", what, path, a.shape.str()));
  return a.to_index();
}

}  // namespace xgrad::nn
