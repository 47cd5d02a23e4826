#pragma once
// What each fuzz target does with one input, shared by the libFuzzer targets
// (fuzz_*.cpp) and the seed-corpus regression test (tests/nn/fuzz_corpus_test.cpp).
// A body returns normally when the reader accepts the input or rejects it with
// a core::Error; anything else — a crash, a sanitizer report, another exception
// type, or a broken invariant (std::abort) — is a finding.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/idx.hpp"
#include "xgrad/nn/data/png.hpp"
#include "xgrad/nn/data/series.hpp"
#include "xgrad/nn/data/tabular.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"

namespace xgrad::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

/// Plain or gzipped IDX bytes.
inline void idx(std::string_view bytes) {
  nn::IdxArray a;
  try {
    a = nn::decode_idx(bytes, "fuzz");
  } catch (const core::Error&) {
    return;
  }
  // An accepted array is exactly as large as its sizes say, and converts.
  check(a.payload.size() == static_cast<std::size_t>(a.shape.numel()) * nn::idx_type_size(a.type));
  check(a.to_float(1.0 / 255.0).shape() == a.shape);
  if (a.type != nn::IdxType::F32 && a.type != nn::IdxType::F64) check(a.to_index().numel() == a.shape.numel());
}

/// The first byte picks the options (missing-value policy, column, delimiter); the rest is the CSV text.
inline void csv(std::string_view bytes) {
  if (bytes.empty()) return;
  const auto flags = static_cast<unsigned char>(bytes[0]);
  const std::string_view text = bytes.substr(1);
  const nn::CsvOptions options{static_cast<nn::Missing>(flags % 3), (flags & 0x40) ? ';' : ','};
  const int column = (flags >> 2) % 4;
  nn::CsvTable table;
  try {
    table = nn::parse_csv(text, "fuzz", options.delimiter);
  } catch (const core::Error&) {
    return;
  }
  check(table.rows.size() == table.lines.size());
  for (const auto& row : table.rows) check(row.size() == table.header.size());
  nn::Series s;
  try {
    s = nn::parse_csv_series(text, "fuzz", (flags & 0x80) ? nn::CsvColumn("v") : nn::CsvColumn(column), options);
  } catch (const core::Error&) {
    return;
  }
  check(!s.values.empty() && s.values.size() == s.lines.size());
  for (double v : s.values) check(v == v);  // interpolation never makes NaN
  try {
    const nn::SeriesWindows w = nn::make_windows(s.values, {.length = 2, .stride = 1, .horizon = 1});
    check(w.data->size() == static_cast<core::Index>(s.values.size()) - 2);
  } catch (const core::ValueError&) {
    check(s.values.size() < 3);
  }
}

/// safetensors bytes; whatever decodes must re-encode and decode to the same tensors.
inline void safetensors(std::string_view bytes) {
  nn::TensorFile f;
  try {
    f = nn::decode_safetensors(bytes, "fuzz");
  } catch (const core::Error&) {
    return;
  }
  // Outside the try: an error here is a finding.
  const nn::TensorFile g = nn::decode_safetensors(nn::encode_safetensors(f), "fuzz-reencoded");
  check(f.metadata == g.metadata && f.tensors.size() == g.tensors.size());
  for (std::size_t i = 0; i < f.tensors.size(); ++i) {
    check(f.tensors[i].first == g.tensors[i].first && f.tensors[i].second.index() == g.tensors[i].second.index());
    std::visit(
        [&](const auto& a) {
          const auto& b = std::get<std::decay_t<decltype(a)>>(g.tensors[i].second);
          check(a.shape() == b.shape());
          check(a.numel() == 0 || std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.numel()) * sizeof(*a.data())) == 0);
        },
        f.tensors[i].second);
  }
}

/// PNG bytes, as the image-folder reader decodes each file: what decodes has C*H*W values
/// in [0, 1], resizes, and re-encodes (8 bits) to the same pixels.
inline void png(std::string_view bytes) {
  nn::Image im;
  try {
    im = nn::decode_png(bytes, "fuzz");
  } catch (const core::Error&) {
    return;
  }
  check((im.channels == 1 || im.channels == 3) && im.height > 0 && im.width > 0);
  check(im.pixels.size() == static_cast<std::size_t>(im.channels * im.height * im.width));
  for (float v : im.pixels) check(v >= 0.0f && v <= 1.0f);
  const nn::Image small = nn::resize_image(im, 5, 7);
  check(small.pixels.size() == static_cast<std::size_t>(im.channels * 35));
  for (float v : small.pixels) check(v >= 0.0f && v <= 1.0f);
  if (im.height * im.width > 256 * 256) return;  // keep each run fast
  std::vector<std::uint8_t> bytes8(im.pixels.size());
  const std::size_t plane = static_cast<std::size_t>(im.height * im.width);
  for (std::size_t p = 0; p < plane; ++p)
    for (core::Index c = 0; c < im.channels; ++c)
      bytes8[p * im.channels + c] = static_cast<std::uint8_t>(std::lround(im.pixels[c * plane + p] * 255.0f));
  const nn::Image again = nn::decode_png(
      nn::encode_png(bytes8, static_cast<int>(im.height), static_cast<int>(im.width), static_cast<int>(im.channels)), "fuzz-reencoded");
  check(again.pixels == im.pixels);
}

/// The first byte picks the label column (none, the first, the last, or "y") and the
/// delimiter; the rest is the CSV text. What parses standardises to finite values.
inline void tabular(std::string_view bytes) {
  if (bytes.empty()) return;
  const auto flags = static_cast<unsigned char>(bytes[0]);
  nn::TabularOptions o;
  o.delimiter = (flags & 0x40) ? ';' : ',';
  if (flags % 4 == 1) o.label = nn::CsvColumn(0);
  if (flags % 4 == 2) o.label = nn::CsvColumn(1);
  if (flags % 4 == 3) o.label = nn::CsvColumn("y");
  nn::TabularData t;
  try {
    t = nn::parse_tabular(bytes.substr(1), "fuzz", o);
  } catch (const core::Error&) {
    return;
  }
  const core::Index n = t.x.size(0);
  check(n > 0 && t.x.size(1) == static_cast<core::Index>(t.columns.size()));
  check(o.label.has_value() == t.labels.defined());
  for (core::Index i = 0; t.labels.defined() && i < n; ++i)
    check(t.labels.data()[i] >= 0 && t.labels.data()[i] < static_cast<core::Index>(t.classes.size()));
  // Standardising either refuses a value it cannot represent or gives finite values only.
  nn::TabularSplit s;
  core::Tensor<float> z;
  try {
    s = nn::split_tabular(t, 0.5, 1);
    z = s.standardizer.apply(t.x);
  } catch (const core::Error&) {
    return;
  }
  check(s.train->size() + s.test->size() == n);
  for (core::Index i = 0; i < z.numel(); ++i) check(std::isfinite(z.data()[i]));
}

}  // namespace xgrad::fuzz
