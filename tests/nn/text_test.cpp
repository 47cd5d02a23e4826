#include <catch2/catch.hpp>

#include <algorithm>

#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/text.hpp"

using namespace xgrad;

TEST_CASE("Byte vocabulary: 256 ids, any bytes round-trip", "[data]") {
  const std::string bin("\x00\xff\x80 a\n\xc3", 7);
  const nn::TextCorpus c = nn::make_text_corpus(bin, "bin");
  CHECK(c.vocab.size() == 256);
  CHECK(c.vocab.is_bytes());
  CHECK(c.tokens.to_vector() == std::vector<core::Index>{0, 255, 128, 32, 97, 10, 195});
  CHECK(c.vocab.decode(c.tokens) == bin);
  CHECK_THROWS_AS(c.vocab.decode(core::IndexTensor(core::Shape{1}, {256})), core::ValueError);
}

TEST_CASE("Character vocabulary: UTF-8 characters, stray bytes as their own symbols", "[data]") {
  // "héé€" + a lone continuation byte + a truncated 3-byte sequence + an overlong '/' (c0 af)
  const std::string text = "h\xc3\xa9\xc3\xa9\xe2\x82\xac\x80\xe2\x82\xc0\xaf";
  const auto chars = nn::split_characters(text);
  CHECK(chars == std::vector<std::string_view>{"h", "\xc3\xa9", "\xc3\xa9", "\xe2\x82\xac", "\x80", "\xe2", "\x82", "\xc0", "\xaf"});
  const nn::TextCorpus c = nn::make_text_corpus(text, "mem", nn::VocabKind::Characters);
  CHECK(c.vocab.size() == 8);  // h, é, €, and five distinct stray bytes
  CHECK_FALSE(c.vocab.is_bytes());
  // Symbols are sorted by their bytes, so the ids do not depend on where characters occur.
  CHECK(std::is_sorted(c.vocab.symbols().begin(), c.vocab.symbols().end()));
  CHECK(c.vocab.decode(c.tokens) == text);
  CHECK(c.tokens.data()[1] == c.tokens.data()[2]);
  CHECK_THROWS_WITH(c.vocab.encode("hx", "other.txt"),
                    "text: other.txt: character 'x' at byte 1 is not in the vocabulary of 8 symbols");
  // A saved symbol list rebuilds the same vocabulary.
  const nn::Vocabulary again(c.vocab.symbols());
  CHECK(core::equal(again.encode(text), c.tokens));
  CHECK_THROWS_AS(nn::Vocabulary({"ab"}), core::ValueError);
  CHECK_THROWS_AS(nn::Vocabulary({"a", "a"}), core::ValueError);
}

TEST_CASE("Sequences of length + 1 tokens for next-character training", "[data]") {
  const nn::TextCorpus c = nn::make_text_corpus("abcdefghij", "mem");
  auto seq = c.sequences(3);  // stride 3: abcd, defg, ghij
  REQUIRE(seq->size() == 3);
  CHECK(seq->labels().shape() == core::Shape{3, 4});
  CHECK(c.vocab.decode(seq->get_batch({2}).labels) == "ghij");
  CHECK_FALSE(seq->get_batch({0}).x.defined());
  auto overlapping = c.sequences(4, 1);
  CHECK(overlapping->size() == 6);
  CHECK(c.vocab.decode(overlapping->get_batch({5}).labels) == "fghij");
  CHECK_THROWS_WITH(c.sequences(10), "text: mem: 10 tokens, fewer than sequence length + 1 = 11");
}

TEST_CASE("Text files: binary works, empty is a clear error", "[data]") {
  test::TempDir dir;
  std::string bin;
  for (int i = 0; i < 512; ++i) bin += static_cast<char>((i * 7) % 256);
  test::write_bytes(dir.file("bin"), bin);
  test::write_bytes(dir.file("empty"), "");
  for (auto kind : {nn::VocabKind::Bytes, nn::VocabKind::Characters}) {
    const nn::TextCorpus c = nn::read_text_file(dir.file("bin"), kind);
    CHECK(c.vocab.decode(c.tokens) == bin);
  }
  CHECK_THROWS_WITH(nn::read_text_file(dir.file("empty")), "text: " + dir.file("empty") + ": file is empty");
  CHECK_THROWS_WITH(nn::read_text_files({dir.file("bin"), dir.file("empty")}), "text: " + dir.file("empty") + ": file is empty");
  CHECK_THROWS_WITH(nn::read_text_file(dir.path().string()), Catch::Contains("is a directory"));
  const nn::TextCorpus both = nn::read_text_files({dir.file("bin"), dir.file("bin")});
  CHECK(both.tokens.numel() == 1024);
}

// The default corpus: must fail, not skip, when Debian's fortunes is missing.
TEST_CASE("Fortunes: the text files without .dat indexes or .u8 links", "[data]") {
  const auto files = nn::fortune_files();
  REQUIRE(files.size() >= 10);
  CHECK(std::is_sorted(files.begin(), files.end()));
  for (const std::string& f : files) {
    CHECK_FALSE(f.ends_with(".dat"));
    CHECK_FALSE(f.ends_with(".u8"));
  }
  CHECK(std::find(files.begin(), files.end(), std::string(nn::kFortunesDir) + "/computers") != files.end());
  const nn::TextCorpus c = nn::read_text_files(files, nn::VocabKind::Characters);
  CHECK(c.tokens.numel() > 1000000);
  CHECK(c.vocab.size() > 90);  // printable ASCII plus some UTF-8
  CHECK(c.vocab.size() < 300);
  // strfile separates fortunes with "%" lines; they survive as text.
  const std::string head = c.vocab.decode(c.tokens.data(), 20000);
  CHECK(head.find("\n%\n") != std::string::npos);
  CHECK_THROWS_WITH(nn::fortune_files("/nonexistent-dir"), Catch::Contains("text: /nonexistent-dir: cannot list"));
}
