// A generator's row shard: each process of a data-parallel run draws its rows of the
// whole batch's tensor, and every generator ends where one drawing the whole would.
#include <catch2/catch.hpp>

#include <vector>

#include "xgrad/core/random.hpp"

using namespace xgrad;
using core::Generator;

namespace {

/// Draws (rows, 3) tensors for each part of a batch of 5 rows cut at `cut`, joined.
template <class Draw>
std::vector<float> drawn_in_parts(core::Index cut, Draw draw, std::vector<Generator::State>* ends = nullptr) {
  std::vector<float> joined;
  for (auto [offset, rows] : {std::pair<core::Index, core::Index>{0, cut}, {cut, 5 - cut}}) {
    Generator gen(21);
    gen.normal();  // a pending spare normal must carry over too
    gen.set_row_shard({offset, rows, 5});
    for (auto v : draw(core::Shape{rows, 3}, gen).to_vector()) joined.push_back(static_cast<float>(v));
    if (ends) ends->push_back(gen.state());
  }
  return joined;
}

template <class Draw>
void check_parts(Draw draw) {
  Generator whole(21);
  whole.normal();
  const auto drawn = draw(core::Shape{5, 3}, whole).to_vector();
  const std::vector<float> expected(drawn.begin(), drawn.end());
  for (core::Index cut : {0, 1, 2, 4, 5}) {  // 0 and 5: one part is empty and still draws the others' rows
    std::vector<Generator::State> ends;
    CHECK(drawn_in_parts(cut, draw, &ends) == expected);
    for (const auto& end : ends) CHECK(end == whole.state());  // every part, the first too
  }
}

}  // namespace

TEST_CASE("row-sharded samplers draw each part's rows of the whole batch's tensor", "[random]") {
  check_parts([](const core::Shape& s, Generator& g) { return core::normal<float>(s, 0.f, 1.f, g); });
  check_parts([](const core::Shape& s, Generator& g) { return core::uniform<float>(s, -1.f, 2.f, g); });
  check_parts([](const core::Shape& s, Generator& g) { return core::bernoulli<float>(s, 0.3f, g); });
  check_parts([](const core::Shape& s, Generator& g) {
    return core::bernoulli<float>(core::Tensor<float>(s, std::vector<float>(static_cast<std::size_t>(s.numel()), 0.5f)), g);
  });
  // One category per row of (rows, 3) weights (a mixture's component picks).
  check_parts([](const core::Shape& s, Generator& g) {
    return core::categorical(core::Tensor<float>(s, std::vector<float>(static_cast<std::size_t>(s.numel()), 1.f)), g);
  });
}

TEST_CASE("a row shard leaves tensors of another first dimension alone", "[random]") {
  Generator plain(3), sharded(3);
  sharded.set_row_shard({1, 2, 4});
  CHECK(core::normal<float>({3, 2}, 0.f, 1.f, sharded).to_vector() == core::normal<float>({3, 2}, 0.f, 1.f, plain).to_vector());
  CHECK(sharded.state() == plain.state());
}
