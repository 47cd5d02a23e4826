#include "xgrad/nn/serialize/checkpoint.hpp"

#include <bit>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"
#include "xgrad/nn/train/non_finite.hpp"

namespace xgrad::nn {
namespace {

using json = nlohmann::json;

constexpr const char* kFormatKey = "xgrad.checkpoint";
constexpr const char* kFormatVersion = "1";

// 64-bit words as hex strings: exact, and readable by JSON parsers that keep numbers as doubles.
std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::uint64_t unhex(const json& j, const std::string& source) {
  if (!j.is_string() || j.get<std::string>().size() != 16)
    throw DataError("checkpoint: " + source + ": malformed rng state");
  std::uint64_t v = 0;
  for (char c : j.get<std::string>()) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) throw DataError("checkpoint: " + source + ": malformed rng state");
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

json parse_json(const std::map<std::string, std::string>& meta, const std::string& key, const std::string& source) {
  auto it = meta.find(key);
  if (it == meta.end()) throw DataError("checkpoint: " + source + ": missing metadata \"" + key + "\"");
  try {
    return json::parse(it->second);
  } catch (const json::exception&) {
    throw DataError("checkpoint: " + source + ": metadata \"" + key + "\" is not valid JSON");
  }
}

std::map<std::string, double> number_map(const json& j, const std::string& key, const std::string& source) {
  if (!j.is_object()) throw DataError("checkpoint: " + source + ": metadata \"" + key + "\" is not an object");
  std::map<std::string, double> out;
  for (auto& [k, v] : j.items()) {
    if (!v.is_number()) throw DataError("checkpoint: " + source + ": \"" + key + "." + k + "\" is not a number");
    out[k] = v.get<double>();
  }
  return out;
}

// xgrad never writes NaN or Inf into a checkpoint, so such a tensor means the file
// was damaged after it was written: resuming from it would continue in NaN.
void refuse_non_finite(const Checkpoint& ck, const std::string& source) {
  std::string bad = first_non_finite(ck.model);
  if (!bad.empty()) bad = "model." + bad;
  for (const auto& [oname, st] : ck.optimizers)
    if (bad.empty() && !(bad = first_non_finite(st.tensors)).empty()) bad = "optim." + oname + "." + bad;
  if (!bad.empty())
    throw DataError("checkpoint: " + source + ": tensor \"" + bad +
                    "\" holds NaN or Inf; the file is damaged, refusing to resume from it");
}

}  // namespace

std::string encode_checkpoint(const Checkpoint& ckpt) {
  // A checkpoint is what a run falls back on: one holding NaN would resume into NaN.
  if (const std::string bad = first_non_finite(ckpt.model); !bad.empty())
    throw NonFiniteError("checkpoint: refusing to write model tensor \"" + bad + "\": it holds NaN or Inf");
  for (const auto& [oname, state] : ckpt.optimizers)
    if (const std::string bad = first_non_finite(state.tensors); !bad.empty())
      throw NonFiniteError("checkpoint: refusing to write optimizer \"" + oname + "\" state \"" + bad +
                           "\": it holds NaN or Inf");
  TensorFile file;
  for (const auto& [name, t] : ckpt.model) file.tensors.emplace_back("model." + name, t);
  json names = json::array();
  for (const auto& [oname, state] : ckpt.optimizers) {
    if (oname.empty() || oname.find('.') != std::string::npos)
      throw core::ValueError("checkpoint: optimizer name \"" + oname + "\" must be non-empty and without dots");
    names.push_back(oname);
    for (const auto& [key, t] : state.tensors) file.tensors.emplace_back("optim." + oname + "." + key, t);
    file.metadata["optim." + oname + ".scalars"] = json(state.scalars).dump();
  }
  file.metadata[kFormatKey] = kFormatVersion;
  file.metadata["optimizers"] = names.dump();
  file.metadata["progress"] = json(ckpt.progress).dump();
  file.metadata["info"] = json(ckpt.info).dump();
  json rng = {{"s", json::array()},
              {"has_spare_normal", ckpt.rng.has_spare_normal},
              {"spare_normal", hex(std::bit_cast<std::uint64_t>(ckpt.rng.spare_normal))}};
  for (auto w : ckpt.rng.s) rng["s"].push_back(hex(w));
  file.metadata["rng"] = rng.dump();
  return encode_safetensors(file);
}

Checkpoint decode_checkpoint(std::string_view bytes, const std::string& source) {
  TensorFile file = decode_safetensors(bytes, source);
  const auto& meta = file.metadata;
  auto fmt = meta.find(kFormatKey);
  if (fmt == meta.end())
    throw DataError("checkpoint: " + source + ": not an xgrad checkpoint (no \"" + kFormatKey + "\" metadata)");
  if (fmt->second != kFormatVersion)
    throw DataError("checkpoint: " + source + ": unsupported checkpoint version " + fmt->second);

  Checkpoint ck;
  json names = parse_json(meta, "optimizers", source);
  if (!names.is_array()) throw DataError("checkpoint: " + source + ": metadata \"optimizers\" is not an array");
  for (const auto& n : names) {
    if (!n.is_string()) throw DataError("checkpoint: " + source + ": an optimizer name is not a string");
    OptimizerState st;
    st.scalars = number_map(parse_json(meta, "optim." + n.get<std::string>() + ".scalars", source),
                            "optim." + n.get<std::string>() + ".scalars", source);
    ck.optimizers.emplace_back(n.get<std::string>(), std::move(st));
  }
  for (auto& [name, any] : file.tensors) {
    auto* t = std::get_if<Tensor>(&any);
    if (!t) throw DataError("checkpoint: " + source + ": tensor \"" + name + "\" is not F32");
    if (name.rfind("model.", 0) == 0) {
      ck.model.emplace_back(name.substr(6), std::move(*t));
      continue;
    }
    bool placed = false;
    for (auto& [oname, st] : ck.optimizers) {
      std::string prefix = "optim." + oname + ".";
      if (name.rfind(prefix, 0) == 0) {
        st.tensors.emplace_back(name.substr(prefix.size()), std::move(*t));
        placed = true;
        break;
      }
    }
    if (!placed) throw DataError("checkpoint: " + source + ": unexpected tensor \"" + name + "\"");
  }
  refuse_non_finite(ck, source);
  ck.progress = number_map(parse_json(meta, "progress", source), "progress", source);
  json info = parse_json(meta, "info", source);
  if (!info.is_object()) throw DataError("checkpoint: " + source + ": metadata \"info\" is not an object");
  for (auto& [k, v] : info.items()) {
    if (!v.is_string()) throw DataError("checkpoint: " + source + ": \"info." + k + "\" is not a string");
    ck.info[k] = v.get<std::string>();
  }
  json rng = parse_json(meta, "rng", source);
  if (!rng.is_object() || !rng.contains("s") || !rng["s"].is_array() || rng["s"].size() != 4 ||
      !rng.contains("has_spare_normal") || !rng["has_spare_normal"].is_boolean() || !rng.contains("spare_normal"))
    throw DataError("checkpoint: " + source + ": malformed rng state");
  for (int i = 0; i < 4; ++i) ck.rng.s[i] = unhex(rng["s"][i], source);
  ck.rng.has_spare_normal = rng["has_spare_normal"].get<bool>();
  ck.rng.spare_normal = std::bit_cast<double>(unhex(rng["spare_normal"], source));
  return ck;
}

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  write_file_atomic(path, encode_checkpoint(ckpt));
}

Checkpoint load_checkpoint(const std::string& path) {
  return decode_checkpoint(read_file_bytes(path, "checkpoint"), path);
}

}  // namespace xgrad::nn
