#include "xgrad/nn/data/text.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"

namespace xgrad::nn {
namespace {

constexpr std::string_view kWhat = "text";

// Length of the valid UTF-8 sequence starting at s[i], or 0 when there is none
// (Unicode 3.9 table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const std::size_t left = s.size() - i;
  const unsigned char c = b(0);
  auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) { return k < left && b(k) >= lo && b(k) <= hi; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

std::string describe(std::string_view sym) {
  std::string out;
  for (unsigned char c : sym) out += fmt::format("\\x{:02x}", c);
  if (sym.size() == 1 && static_cast<unsigned char>(sym[0]) >= 0x20 && static_cast<unsigned char>(sym[0]) < 0x7f)
    return fmt::format("'{}'", sym);
  return out;
}

}  // namespace

std::vector<std::string_view> split_characters(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = std::max<std::size_t>(1, utf8_length(text, i));
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

Vocabulary Vocabulary::bytes() {
  Vocabulary v;
  v.bytes_ = true;
  for (int b = 0; b < 256; ++b) v.symbols_.emplace_back(1, static_cast<char>(b));
  for (std::size_t i = 0; i < v.symbols_.size(); ++i) v.ids_.emplace(v.symbols_[i], static_cast<core::Index>(i));
  return v;
}

Vocabulary Vocabulary::characters(std::string_view text) {
  std::set<std::string_view> distinct;
  for (std::string_view c : split_characters(text)) distinct.insert(c);
  return Vocabulary(std::vector<std::string>(distinct.begin(), distinct.end()));
}

Vocabulary::Vocabulary(std::vector<std::string> symbols) : symbols_(std::move(symbols)) {
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    const std::string& s = symbols_[i];
    // Each symbol must be exactly what split_characters would cut, or encode could not find it.
    if (s.empty() || std::max<std::size_t>(1, utf8_length(s, 0)) != s.size())
      throw core::ValueError(fmt::format("Vocabulary: symbol {} ({}) is not one character", i, describe(s)));
    if (!ids_.emplace(s, static_cast<core::Index>(i)).second)
      throw core::ValueError(fmt::format("Vocabulary: symbol {} ({}) appears twice", i, describe(s)));
  }
  bytes_ = symbols_.size() == 256;
  for (std::size_t i = 0; bytes_ && i < 256; ++i) bytes_ = symbols_[i] == std::string(1, static_cast<char>(i));
}

core::IndexTensor Vocabulary::encode(std::string_view text, const std::string& source) const {
  if (bytes_) {
    core::IndexTensor t(core::Shape{static_cast<core::Index>(text.size())});
    for (std::size_t i = 0; i < text.size(); ++i) t.data()[i] = static_cast<unsigned char>(text[i]);
    return t;
  }
  const std::vector<std::string_view> chars = split_characters(text);
  core::IndexTensor t(core::Shape{static_cast<core::Index>(chars.size())});
  std::size_t offset = 0;
  std::string key;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    key.assign(chars[i]);
    const auto it = ids_.find(key);
    if (it == ids_.end())
      throw DataError(fmt::format("{}: {}: character {} at byte {} is not in the vocabulary of {} symbols", kWhat, source,
                                  describe(chars[i]), offset, symbols_.size()));
    t.data()[i] = it->second;
    offset += chars[i].size();
  }
  return t;
}

std::string Vocabulary::decode(const core::Index* ids, core::Index n) const {
  std::string out;
  for (core::Index i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= size())
      throw core::ValueError(fmt::format("Vocabulary::decode: id {} at position {} is outside [0, {})", ids[i], i, size()));
    out += symbols_[static_cast<std::size_t>(ids[i])];
  }
  return out;
}

std::shared_ptr<TensorDataset> TextCorpus::sequences(core::Index length, core::Index stride) const {
  if (stride == 0) stride = length;
  if (length < 1 || stride < 1)
    throw core::ValueError(fmt::format("TextCorpus::sequences: need length >= 1 and stride >= 1, got {} and {}", length, stride));
  const core::Index t = tokens.numel();
  if (t < length + 1)
    throw core::ValueError(fmt::format("{}: {}: {} tokens, fewer than sequence length + 1 = {}", kWhat, source, t, length + 1));
  const core::Index n = (t - length - 1) / stride + 1;
  core::IndexTensor seq(core::Shape{n, length + 1});
  for (core::Index i = 0; i < n; ++i)
    std::copy_n(tokens.data() + i * stride, length + 1, seq.data() + i * (length + 1));
  return TensorDataset::of_labels(std::move(seq));
}

TextCorpus make_text_corpus(std::string_view text, const std::string& source, VocabKind kind) {
  if (text.empty()) throw DataError(fmt::format("{}: {}: file is empty", kWhat, source));
  TextCorpus c;
  c.source = source;
  if (kind == VocabKind::Characters) c.vocab = Vocabulary::characters(text);
  c.tokens = c.vocab.encode(text, source);
  return c;
}

TextCorpus read_text_file(const std::string& path, VocabKind kind) {
  return make_text_corpus(read_file_bytes(path, kWhat), path, kind);
}

TextCorpus read_text_files(const std::vector<std::string>& paths, VocabKind kind) {
  if (paths.empty()) throw DataError(fmt::format("{}: no files given", kWhat));
  std::string all;
  for (const std::string& p : paths) {
    const std::string bytes = read_file_bytes(p, kWhat);
    if (bytes.empty()) throw DataError(fmt::format("{}: {}: file is empty", kWhat, p));
    all += bytes;
  }
  const std::string source = paths.size() == 1 ? paths[0] : fmt::format("{} (and {} more files)", paths[0], paths.size() - 1);
  return make_text_corpus(all, source, kind);
}

std::vector<std::string> fortune_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw DataError(fmt::format("{}: {}: cannot list the fortunes directory: {} (install Debian's fortunes)", kWhat, dir, ec.message()));
  std::vector<std::string> files;
  for (const fs::directory_entry& e : it) {
    const std::string ext = e.path().extension().string();
    // .dat are strfile's binary indexes; .u8 are symlinks back to the text files.
    if (ext == ".dat" || ext == ".u8" || !e.is_regular_file(ec)) continue;
    files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw DataError(fmt::format("{}: {}: no fortune text files there", kWhat, dir));
  return files;
}

}  // namespace xgrad::nn
