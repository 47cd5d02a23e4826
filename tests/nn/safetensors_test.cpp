#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"

using namespace xgrad;
using nn::AnyTensor;

namespace {

// What safetensors_interop.py `check` expects.
nn::TensorFile reference_file() {
  nn::TensorFile f;
  f.tensors.emplace_back("w", core::Tensor<float>({2, 3}, {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f}));
  f.tensors.emplace_back("d", core::Tensor<double>({4}, {-1.5, 0.0, 1e-300, 1e300}));
  f.tensors.emplace_back("i", core::IndexTensor({2, 2}, {1, -2, core::Index(1) << 40, -(core::Index(1) << 62)}));
  f.tensors.emplace_back("e", core::Tensor<float>::zeros({0, 3}));
  f.tensors.emplace_back("s", core::Tensor<double>::scalar(3.25));
  f.metadata = {{"epoch", "3"}, {"name", "unicode \xc3\xa9"}};
  return f;
}

template <class T>
const core::Tensor<T>& get(const nn::TensorFile& f, const std::string& name) {
  for (const auto& [n, t] : f.tensors)
    if (n == name) return std::get<core::Tensor<T>>(t);
  throw std::runtime_error("no tensor " + name);
}

// Runs Debian's python (with numpy, unlike the pyenv python on PATH); returns (status, output).
std::pair<int, std::string> run_python(const std::string& args) {
  const std::string cmd = "/usr/bin/python3 " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const std::string kScript = std::string(XGRAD_SOURCE_DIR) + "/tests/nn/safetensors_interop.py";

}  // namespace

TEST_CASE("safetensors round-trips F32, F64 and I64 with metadata, in order", "[safetensors]") {
  const nn::TensorFile f = reference_file();
  const std::string bytes = nn::encode_safetensors(f);
  const nn::TensorFile g = nn::decode_safetensors(bytes, "mem");
  REQUIRE(g.tensors.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) CHECK(g.tensors[i].first == f.tensors[i].first);
  CHECK(core::equal(get<float>(g, "w"), get<float>(f, "w")));
  CHECK(core::equal(get<double>(g, "d"), get<double>(f, "d")));
  CHECK(core::equal(get<core::Index>(g, "i"), get<core::Index>(f, "i")));
  CHECK(get<float>(g, "e").shape() == core::Shape{0, 3});
  CHECK(get<double>(g, "s").shape() == core::Shape{});
  CHECK(get<double>(g, "s").item() == 3.25);
  CHECK(g.metadata == f.metadata);
  CHECK(nn::encode_safetensors(g) == bytes);
}

TEST_CASE("safetensors layout: little-endian length, space-padded JSON, 8-byte aligned data", "[safetensors]") {
  nn::TensorFile f;
  f.tensors.emplace_back("a", core::Tensor<float>({1}, {1.0f}));
  const std::string bytes = nn::encode_safetensors(f);
  const std::string json = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  REQUIRE(json.size() == 54);
  const std::string header = json + std::string(2, ' ');  // 8 + 56 = 64: the data starts aligned
  CHECK(bytes == std::string("\x38\0\0\0\0\0\0\0", 8) + header + std::string("\x00\x00\x80\x3f", 4));
  for (const auto& file : {reference_file(), nn::TensorFile{}}) {
    const std::string b = nn::encode_safetensors(file);
    std::uint64_t n = 0;
    std::memcpy(&n, b.data(), 8);
    CHECK((8 + n) % 8 == 0);
  }
  // An empty file set is valid: "{}" padded, no data.
  CHECK(nn::decode_safetensors(nn::encode_safetensors({}), "mem").tensors.empty());
}

TEST_CASE("safetensors writer rejects what it cannot write", "[safetensors]") {
  nn::TensorFile dup;
  dup.tensors.emplace_back("a", core::Tensor<float>::zeros({1}));
  dup.tensors.emplace_back("a", core::Tensor<float>::zeros({1}));
  CHECK_THROWS_WITH(nn::encode_safetensors(dup), Catch::Contains("tensor name 'a' appears twice"));
  nn::TensorFile meta;
  meta.tensors.emplace_back("__metadata__", core::Tensor<float>::zeros({1}));
  CHECK_THROWS_WITH(nn::encode_safetensors(meta), Catch::Contains("cannot be named '__metadata__'"));
  nn::TensorFile undef;
  undef.tensors.emplace_back("u", core::Tensor<float>{});
  CHECK_THROWS_WITH(nn::encode_safetensors(undef), Catch::Contains("tensor 'u' is undefined"));
  nn::TensorFile utf;
  utf.metadata["k"] = "\xff";
  CHECK_THROWS_WITH(nn::encode_safetensors(utf), Catch::Contains("not valid UTF-8"));
  test::TempDir dir;
  const std::string path = dir.file("no/such/dir/m.safetensors");
  CHECK_THROWS_WITH(nn::save_safetensors(path, reference_file()), Catch::Contains(path) && Catch::Contains("No such file or directory"));
}

TEST_CASE("safetensors files written by xgrad load in numpy and PyTorch", "[safetensors]") {
  test::TempDir dir;
  const std::string path = dir.file("xgrad.safetensors");
  nn::save_safetensors(path, reference_file());
  CHECK(core::equal(get<float>(nn::load_safetensors(path), "w"), get<float>(reference_file(), "w")));
  // numpy is a hard requirement (scripts/install-deps.sh installs python3-numpy).
  const auto [status, out] = run_python(kScript + " check " + path);
  INFO(out);
  REQUIRE(status == 0);
  if (run_python("-c 'import torch'").first != 0) {
    WARN("python3-torch is not installed: the PyTorch half of the safetensors interop test is skipped");
    return;
  }
  const auto [tstatus, tout] = run_python(kScript + " torch " + path);
  INFO(tout);
  CHECK(tstatus == 0);
}

TEST_CASE("safetensors files written by numpy + json load in xgrad", "[safetensors]") {
  test::TempDir dir;
  const std::string path = dir.file("numpy.safetensors");
  const auto [status, out] = run_python(kScript + " write " + path);
  INFO(out);
  REQUIRE(status == 0);
  const nn::TensorFile f = nn::load_safetensors(path);
  // Sorted by data offset: c, z, a, b.
  REQUIRE(f.tensors.size() == 4);
  CHECK(f.tensors[0].first == "c");
  CHECK(f.tensors[1].first == "z");
  CHECK(f.tensors[2].first == "a");
  CHECK(f.tensors[3].first == "b");
  CHECK(f.metadata == std::map<std::string, std::string>{{"writer", "numpy"}});
  CHECK(get<float>(f, "a").to_vector() == std::vector<float>{1.0f, -2.0f, 3.5f, 1e-7f});
  CHECK(get<float>(f, "a").shape() == core::Shape{2, 2});
  const auto b = get<double>(f, "b").to_vector();
  CHECK(b[0] == std::ldexp(1.0, -1074));
  CHECK(std::signbit(b[1]));
  CHECK(b[2] == 12345.678);
  CHECK(get<core::Index>(f, "c").to_vector() == std::vector<core::Index>{INT64_MIN, INT64_MAX, 0});
  CHECK(get<core::Index>(f, "z").shape() == core::Shape{2, 0});
}
