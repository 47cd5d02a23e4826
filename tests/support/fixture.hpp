#pragma once
// Reference tensors computed by PyTorch (tests/fixtures/*.py, run with Debian's
// /usr/bin/python3 and python3-torch) and committed as JSON:
//   { "case_name": { "shape": [2, 3], "data": [ ... row-major ... ] }, ... }
// CI reads the JSON and never needs torch.
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "xgrad/core/tensor.hpp"

namespace xgrad::test {

inline const nlohmann::json& fixture_file(const std::string& file) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(file);
  if (it != cache.end()) return it->second;
  const std::string path = std::string(XGRAD_FIXTURES) + "/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("fixture file missing: " + path);
  return cache.emplace(file, nlohmann::json::parse(in)).first->second;
}

/// The tensor stored under `name` in tests/fixtures/`file`.
template <class T>
core::Tensor<T> fixture(const std::string& file, const std::string& name) {
  const auto& j = fixture_file(file);
  if (!j.contains(name)) throw std::runtime_error("fixture " + name + " not found in " + file);
  const auto& e = j.at(name);
  core::Shape shape(e.at("shape").get<std::vector<core::Index>>());
  return core::Tensor<T>(shape, e.at("data").get<std::vector<T>>());
}

}  // namespace xgrad::test
