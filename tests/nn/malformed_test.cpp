// The table of malformed inputs: every reader turns each into one DataError
// line that starts with the reader and the file and says what is wrong.
#include <catch2/catch.hpp>

#include <functional>
#include <optional>

#include "data_util.hpp"
#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/idx.hpp"
#include "xgrad/nn/data/text.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"

using namespace xgrad;

namespace {

struct Bad {
  const char* reader;                // "idx", "csv" (column "v"), "csv-col-1" (column -1), "safetensors", "text"
  std::optional<std::string> bytes;  // nullopt: the file does not exist
  std::string expected;              // the message after "<reader>: <path>: "
  bool exact = true;                 // false: `expected` is a prefix (third-party text follows)
};

std::string u32be(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string st(const std::string& header, const std::string& data = "", std::optional<std::uint64_t> length = {}) {
  const std::uint64_t n = length.value_or(header.size());
  std::string s;
  for (int i = 0; i < 8; ++i) s += static_cast<char>((n >> (8 * i)) & 0xff);
  return s + header + data;
}

const std::string kValidIdx = test::idx_bytes(0x08, {2, 2}, "abcd");
const std::string kGz = test::gzip(kValidIdx);

const std::vector<Bad> kTable = {
    // IDX
    {"idx", "", "file has 0 bytes, too short for the 4-byte IDX magic"},
    {"idx", std::string("\x01\x00\x08\x01", 4) + u32be(0), "bad magic 01 00 08 01: an IDX file starts with two zero bytes"},
    {"idx", std::string("\x00\x00\x07\x01", 4) + u32be(0), "unknown element type code 0x07 (expected 08, 09, 0b, 0c, 0d or 0e)"},
    {"idx", std::string("\x00\x00\x08\x00", 4), "rank 0 is outside 1 to 8"},
    {"idx", std::string("\x00\x00\x08\x09", 4) + std::string(36, '\0'), "rank 9 is outside 1 to 8"},
    {"idx", std::string("\x00\x00\x08\x03", 4) + u32be(1), "truncated header: rank 3 needs 16 header bytes, file has 8"},
    {"idx", test::idx_bytes(0x08, {2, 3}, "abcde"), "payload has 5 bytes, expected 6 for unsigned byte sizes (2, 3)"},
    {"idx", test::idx_bytes(0x0C, {2}, "123456789"), "payload has 9 bytes, expected 8 for int32 sizes (2)"},
    {"idx", test::idx_bytes(0x0E, {0xffffffffu, 0xffffffffu, 1, 0}, ""),
     "sizes (4294967295, 4294967295, 1, 0) are too large: the nonzero ones multiply past 2^63"},
    {"idx", test::idx_bytes(0x0E, {0x80000000u, 0x80000000u}, std::string(16, '\0')),
     "payload has 16 bytes, expected more than 2^64 for double sizes (2147483648, 2147483648)"},
    {"idx", kGz.substr(0, kGz.size() - 6), "truncated gzip stream"},
    {"idx", std::string("\x1f\x8b\x00\x00\x00\x00\x00\x00\x00\x03", 10), "corrupt gzip data (unknown compression method)"},
    {"idx", kGz + "xyz", "3 bytes of trailing garbage after the gzip stream"},
    // CSV, reading column "v"
    {"csv", "", "no header row (the file is empty)"},
    {"csv", "\xEF\xBB\xBF\r\n\r\n", "no header row (the file is empty)"},
    {"csv", "v\n\"12\n", "line 2: quoted field is never closed"},
    {"csv", "v\n\"1\"2\n", "line 2: unexpected '2' after the closing quote of '1'"},
    {"csv", "t,v\r\n1,2\r\n3\r\n", "line 3: 1 fields, but the header has 2"},
    {"csv", "t,x\n1,2\n", "no column named 'v' in the header ('t', 'x')"},
    {"csv", "v,v\n1,2\n", "column 'v' appears more than once in the header (positions 0 and 1)"},
    {"csv", "v\n", "the header is followed by no data rows"},
    {"csv-col-1", "v\n1\n", "column index -1 is out of range: the header has 1 columns"},
    {"csv", "v\n1\nabc\n", "line 3: column 'v': 'abc' is not a finite number"},
    {"csv", "v\n1e999\n", "line 2: column 'v': '1e999' is not a finite number"},
    {"csv", "v\n1\n\"\"\n", "line 3: column 'v' has no value (read with Missing::Drop or Missing::Interpolate to accept gaps)"},
    // safetensors
    {"safetensors", "abc", "file has 3 bytes, too short for the 8-byte header length"},
    {"safetensors", st("{}", "", 200u << 20), "header length 209715200 exceeds the limit of 104857600 bytes"},
    {"safetensors", st("0123456789", "", 100), "truncated: the header length is 100 but only 10 bytes follow"},
    {"safetensors", st(R"({"a":)"), "bad JSON header: [json.exception.parse_error.101]", false},
    {"safetensors", st("[1,2]"), "the JSON header is array, not an object"},
    {"safetensors", st(R"({"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}})", "xx"),
     "tensor 'a' has dtype 'F16'; only F32, F64 and I64 are supported"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "12345678"),
     "duplicate key 'a' in the JSON header"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}})", "1234"),
     "tensor 'a' has data_offsets [0, 400] past the end of the 4-byte data section"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", "123456789012"),
     "tensors 'a' and 'b' overlap (data_offsets [0, 8] and [4, 12])"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}})", "123456789012"),
     "tensor 'a' holds 12 bytes, but shape (2, 3) of F32 needs 24"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", "123456789012"),
     "bytes [4, 8) of the data section belong to no tensor"},
    {"safetensors", st(R"({"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]}})", "1234567890"),
     "bytes [8, 10) at the end of the data section belong to no tensor"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "1234"),
     "tensor 'a' has data_offsets [4, 0] that end before they begin"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "1234"),
     "tensor 'a' has a shape entry '-1' that is not a non-negative 63-bit integer"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[1]}})"), "tensor 'a' needs dtype, shape and data_offsets"},
    {"safetensors", st(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}})"),
     "tensor 'a' has shape (4294967296, 4294967296, 0) whose nonzero sizes multiply past 2^63"},
    {"safetensors", st(R"({"__metadata__":{"k":1}})"), "__metadata__ value of 'k' is number, not a string"},
    // text
    {"text", "", "file is empty"},
    {"text", std::nullopt, "cannot open: No such file or directory"},
};

void read_with(const std::string& reader, const std::string& path) {
  if (reader == "idx") nn::read_idx(path);
  else if (reader == "csv") nn::read_csv_series(path, "v");
  else if (reader == "csv-col-1") nn::read_csv_series(path, -1);
  else if (reader == "safetensors") nn::load_safetensors(path);
  else if (reader == "text") nn::read_text_file(path);
  else FAIL("unknown reader " << reader);
}

}  // namespace

TEST_CASE("Malformed inputs give one-line errors naming the file and the problem", "[data]") {
  REQUIRE(kTable.size() >= 20);
  test::TempDir dir;
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    const Bad& bad = kTable[i];
    const std::string path = dir.file("case" + std::to_string(i) + "." + bad.reader);
    if (bad.bytes) test::write_bytes(path, *bad.bytes);
    const std::string prefix = std::string(bad.reader).substr(0, std::string(bad.reader).find('-'));  // "csv-col-1" reads as csv
    const std::string want = prefix + ": " + path + ": " + bad.expected;
    INFO("case " << i << " (" << bad.reader << ")");
    std::string got;
    try {
      read_with(bad.reader, path);
      got = "(no error)";
    } catch (const nn::DataError& e) {
      got = e.what();
    }
    if (bad.exact) CHECK(got == want);
    else CHECK_THAT(got, Catch::StartsWith(want));
    CHECK(got.find('\n') == std::string::npos);
  }
}
