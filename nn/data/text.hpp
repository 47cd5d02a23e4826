#pragma once
// Text corpora for next-character models. Any file can be read, binary ones
// included: with the byte vocabulary every byte is a symbol (256 ids); with the
// character vocabulary each valid UTF-8 sequence is one symbol and each byte
// that is not part of one is a symbol of its own, so decode(encode(text)) gives
// back the exact bytes either way.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

class Vocabulary {
 public:
  /// Ids 0..255 are the byte values.
  static Vocabulary bytes();
  /// The distinct characters of `text`, ordered by their bytes.
  static Vocabulary characters(std::string_view text);
  /// Rebuilds a vocabulary from symbols() (e.g. saved next to a model).
  explicit Vocabulary(std::vector<std::string> symbols);

  core::Index size() const { return static_cast<core::Index>(symbols_.size()); }
  const std::vector<std::string>& symbols() const { return symbols_; }
  bool is_bytes() const { return bytes_; }

  /// Token ids (T,); throws DataError naming `source` and the first unknown character.
  core::IndexTensor encode(std::string_view text, const std::string& source = "text") const;
  /// Concatenated symbols; throws ValueError for an id outside [0, size()).
  std::string decode(const core::Index* ids, core::Index n) const;
  std::string decode(const core::IndexTensor& ids) const { return decode(ids.data(), ids.numel()); }

 private:
  Vocabulary() = default;
  std::vector<std::string> symbols_;
  std::unordered_map<std::string, core::Index> ids_;
  bool bytes_ = false;
};

/// The characters of `text` as the character vocabulary cuts them.
std::vector<std::string_view> split_characters(std::string_view text);

enum class VocabKind { Bytes, Characters };

struct TextCorpus {
  Vocabulary vocab = Vocabulary::bytes();
  core::IndexTensor tokens;  ///< (T,) ids of the whole corpus
  std::string source;

  /// Sequences of length + 1 tokens starting every `stride` tokens (0 means
  /// `length`, so consecutive sequences share one token and each token is a
  /// target once), as a dataset of labels (N, length + 1).
  std::shared_ptr<TensorDataset> sequences(core::Index length, core::Index stride = 0) const;
};

/// Text given in memory. Empty text is a DataError naming `source`.
TextCorpus make_text_corpus(std::string_view text, const std::string& source, VocabKind kind = VocabKind::Bytes);
TextCorpus read_text_file(const std::string& path, VocabKind kind = VocabKind::Bytes);
/// The files concatenated in order; each must be non-empty.
TextCorpus read_text_files(const std::vector<std::string>& paths, VocabKind kind = VocabKind::Bytes);

/// The default corpus: the plain text files of Debian's `fortunes` package in
/// name order, without strfile's .dat indexes and .u8 links.
inline constexpr std::string_view kFortunesDir = "/usr/share/games/fortunes";
std::vector<std::string> fortune_files(const std::string& dir = std::string(kFortunesDir));

}  // namespace xgrad::nn
