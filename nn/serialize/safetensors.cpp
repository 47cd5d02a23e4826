#include "xgrad/nn/serialize/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::nn {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; a big-endian port must swap bytes");

constexpr std::uint64_t kMaxHeader = 100u << 20;  // as the reference implementation
constexpr const char* kMetadata = "__metadata__";

using json = nlohmann::json;

struct DType {
  const char* name;
  std::size_t size;
};
constexpr DType kF32{"F32", 4}, kF64{"F64", 8}, kI64{"I64", 8};

DType dtype_of(const AnyTensor& t) {
  switch (t.index()) {
    case 0: return kF32;
    case 1: return kF64;
    default: return kI64;
  }
}

const core::Shape& shape_of(const AnyTensor& t) {
  return std::visit([](const auto& x) -> const core::Shape& { return x.shape(); }, t);
}

// Names and JSON snippets in messages: printable, short, on one line.
std::string show(std::string_view s) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < 60; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? fmt::format("\\x{:02x}", c) : std::string(1, static_cast<char>(c));
  }
  return out + (s.size() > 60 ? "...'" : "'");
}

// A JSON value that must be an unsigned integer that fits in int64.
bool as_count(const json& j, std::uint64_t& out) {
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0)) return false;
  out = j.get<std::uint64_t>();
  return out <= static_cast<std::uint64_t>(INT64_MAX);
}

struct Entry {
  std::string name;
  DType dtype;
  core::Shape shape;
  std::uint64_t begin, end;
};

std::string encode_impl(const TensorFile& file, const std::string& dest) {
  auto fail = [&](const std::string& why) { throw DataError(fmt::format("safetensors: {}: {}", dest, why)); };
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    auto& m = header[kMetadata] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : file.metadata) m[k] = v;
  }
  std::set<std::string> names;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    if (name == kMetadata) fail(fmt::format("a tensor cannot be named {}", show(name)));
    if (!names.insert(name).second) fail(fmt::format("tensor name {} appears twice", show(name)));
    if (!std::visit([](const auto& x) { return x.defined(); }, t)) fail(fmt::format("tensor {} is undefined", show(name)));
    const DType d = dtype_of(t);
    const std::uint64_t bytes = static_cast<std::uint64_t>(shape_of(t).numel()) * d.size;
    header[name] = {{"dtype", d.name}, {"shape", shape_of(t).to_vector()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception&) {
    fail("a tensor name or metadata string is not valid UTF-8");
  }
  // Spaces after the JSON (valid whitespace) make the data start 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.reserve(8 + text.size() + offset);
  out += text;
  for (const auto& [name, t] : file.tensors)
    std::visit([&](const auto& x) { out.append(reinterpret_cast<const char*>(x.data()), static_cast<std::size_t>(x.numel()) * sizeof(*x.data())); }, t);
  return out;
}

// Parses the header, rejecting duplicate keys at any depth (nlohmann would keep the last silently).
json parse_header(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  auto cb = [&](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start) open.emplace_back();
    else if (ev == json::parse_event_t::object_end && !open.empty()) open.pop_back();
    else if (ev == json::parse_event_t::key && !open.empty() && duplicate.empty() && !open.back().insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {
    throw DataError(fmt::format("safetensors: {}: bad JSON header: {}", source, e.what()));
  }
  if (!duplicate.empty()) throw DataError(fmt::format("safetensors: {}: duplicate key {} in the JSON header", source, show(duplicate)));
  return j;
}

}  // namespace

std::string encode_safetensors(const TensorFile& file) { return encode_impl(file, "(encoding)"); }

TensorFile decode_safetensors(std::string_view bytes, const std::string& source) {
  auto fail = [&](const std::string& why) { throw DataError(fmt::format("safetensors: {}: {}", source, why)); };
  if (bytes.size() < 8) fail(fmt::format("file has {} bytes, too short for the 8-byte header length", bytes.size()));
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  if (n > kMaxHeader) fail(fmt::format("header length {} exceeds the limit of {} bytes", n, kMaxHeader));
  if (n > bytes.size() - 8) fail(fmt::format("truncated: the header length is {} but only {} bytes follow", n, bytes.size() - 8));
  const json header = parse_header(bytes.substr(8, n), source);
  if (!header.is_object()) fail(fmt::format("the JSON header is {}, not an object", header.type_name()));
  const std::string_view data = bytes.substr(8 + n);

  TensorFile file;
  std::vector<Entry> entries;
  for (const auto& [name, v] : header.items()) {
    if (name == kMetadata) {
      if (!v.is_object()) fail(fmt::format("{} is {}, not an object", kMetadata, v.type_name()));
      for (const auto& [k, s] : v.items()) {
        if (!s.is_string()) fail(fmt::format("{} value of {} is {}, not a string", kMetadata, show(k), s.type_name()));
        file.metadata[k] = s.get<std::string>();
      }
      continue;
    }
    const std::string what = "tensor " + show(name);
    if (!v.is_object()) fail(fmt::format("{} is described by {}, not an object", what, v.type_name()));
    for (const auto& [k, unused] : v.items())
      if (k != "dtype" && k != "shape" && k != "data_offsets") fail(fmt::format("{} has an unknown field {}", what, show(k)));
    if (!v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      fail(fmt::format("{} needs dtype, shape and data_offsets", what));
    Entry e{name, kF32, {}, 0, 0};
    const json& dt = v["dtype"];
    if (!dt.is_string()) fail(fmt::format("{} has a dtype that is {}, not a string", what, dt.type_name()));
    const auto dts = dt.get<std::string>();
    if (dts == "F32") e.dtype = kF32;
    else if (dts == "F64") e.dtype = kF64;
    else if (dts == "I64") e.dtype = kI64;
    else fail(fmt::format("{} has dtype {}; only F32, F64 and I64 are supported", what, show(dts)));
    const json& sh = v["shape"];
    if (!sh.is_array()) fail(fmt::format("{} has a shape that is {}, not an array", what, sh.type_name()));
    if (sh.size() > static_cast<std::size_t>(core::Shape::kMaxRank)) fail(fmt::format("{} has rank {}, above the maximum of {}", what, sh.size(), core::Shape::kMaxRank));
    // Products saturate at 2^64: eight int64 sizes can overflow any fixed width.
    constexpr unsigned __int128 kCap = UINT64_MAX;
    unsigned __int128 need = e.dtype.size, nonzero = 1;
    for (const json& d : sh) {
      std::uint64_t x = 0;
      if (!as_count(d, x)) fail(fmt::format("{} has a shape entry {} that is not a non-negative 63-bit integer", what, show(d.dump())));
      e.shape.push_back(static_cast<core::Index>(x));
      need = std::min(need * x, kCap);
      if (x != 0) nonzero = std::min(nonzero * x, kCap);
    }
    // A zero size makes the tensor empty, but Shape::numel multiplies the sizes
    // in order, so the others must still multiply to an int64.
    if (nonzero > static_cast<unsigned __int128>(INT64_MAX))
      fail(fmt::format("{} has shape {} whose nonzero sizes multiply past 2^63", what, e.shape.str()));
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !as_count(off[0], e.begin) || !as_count(off[1], e.end))
      fail(fmt::format("{} needs data_offsets [begin, end] of two non-negative integers, got {}", what, show(off.dump())));
    if (e.begin > e.end) fail(fmt::format("{} has data_offsets [{}, {}] that end before they begin", what, e.begin, e.end));
    if (e.end > data.size())
      fail(fmt::format("{} has data_offsets [{}, {}] past the end of the {}-byte data section", what, e.begin, e.end, data.size()));
    if (need != e.end - e.begin)
      fail(fmt::format("{} holds {} bytes, but shape {} of {} needs {}", what, e.end - e.begin, e.shape.str(), e.dtype.name,
                       need >= UINT64_MAX ? std::string("more than 2^64") : std::to_string(static_cast<std::uint64_t>(need))));
    entries.push_back(std::move(e));
  }

  // The tensors must tile the data section: no overlaps, no gaps, nothing after.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  std::uint64_t cursor = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.begin < cursor)
      fail(fmt::format("tensors {} and {} overlap (data_offsets [{}, {}] and [{}, {}])", show(entries[i - 1].name), show(e.name),
                       entries[i - 1].begin, entries[i - 1].end, e.begin, e.end));
    if (e.begin > cursor) fail(fmt::format("bytes [{}, {}) of the data section belong to no tensor", cursor, e.begin));
    cursor = e.end;
  }
  if (cursor != data.size()) fail(fmt::format("bytes [{}, {}) at the end of the data section belong to no tensor", cursor, data.size()));

  for (const Entry& e : entries) {
    const char* src = data.data() + e.begin;
    auto make = [&](auto tag) {
      using T = decltype(tag);
      core::Tensor<T> t(e.shape);
      if (t.numel() > 0) std::memcpy(t.data(), src, static_cast<std::size_t>(e.end - e.begin));
      return AnyTensor(std::move(t));
    };
    if (e.dtype.name == kF32.name) file.tensors.emplace_back(e.name, make(float{}));
    else if (e.dtype.name == kF64.name) file.tensors.emplace_back(e.name, make(double{}));
    else file.tensors.emplace_back(e.name, make(core::Index{}));
  }
  return file;
}

void save_safetensors(const std::string& path, const TensorFile& file) {
  write_file_atomic(path, encode_impl(file, path));
}

TensorFile load_safetensors(const std::string& path) {
  return decode_safetensors(read_file_bytes(path, "safetensors"), path);
}

}  // namespace xgrad::nn
