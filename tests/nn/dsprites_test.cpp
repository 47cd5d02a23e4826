// The generated dSprites: counts and indexing, determinism, and that each factor changes
// the image as it should (area with scale^2, symmetric shapes under their rotations,
// positions moving the centre of mass).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <set>

#include "xgrad/nn/data/dsprites.hpp"

using namespace xgrad;
using nn::DSprites;

namespace {

std::vector<float> image(const DSprites::Factors& f) {
  std::vector<float> out(static_cast<std::size_t>(DSprites::kSide * DSprites::kSide));
  DSprites::draw(f, out.data());
  return out;
}

double area(const std::vector<float>& im) {
  double a = 0;
  for (float v : im) a += v;
  return a;
}

double differing(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d += a[i] != b[i];
  return d;
}

/// Centre of mass (column, row) in pixels.
std::pair<double, double> centre(const std::vector<float>& im) {
  double x = 0, y = 0;
  for (core::Index i = 0; i < DSprites::kSide * DSprites::kSide; ++i)
    x += im[i] * static_cast<double>(i % DSprites::kSide), y += im[i] * static_cast<double>(i / DSprites::kSide);
  return {x / area(im), y / area(im)};
}

/// The header's definition, pixel by pixel over the whole image: what draw() must give.
std::vector<float> drawn_by_definition(const DSprites::Factors& f) {
  const double scale = 0.5 + 0.1 * static_cast<double>(f[1]), angle = 2 * std::numbers::pi * static_cast<double>(f[2]) / 40.0;
  const double cx = 12 + 40.0 * static_cast<double>(f[3]) / 31.0, cy = 12 + 40.0 * static_cast<double>(f[4]) / 31.0;
  const double c = std::cos(angle) / (8 * scale), s = std::sin(angle) / (8 * scale);
  std::vector<float> out;
  for (core::Index r = 0; r < DSprites::kSide; ++r)
    for (core::Index col = 0; col < DSprites::kSide; ++col) {
      const double px = static_cast<double>(col) + 0.5 - cx, py = static_cast<double>(r) + 0.5 - cy;
      const double ux = c * px + s * py, uy = -s * px + c * py, x = 1.2 * ux, y = 0.15 - 1.2 * uy;
      const double heart = x * x + y * y - 1;
      const bool in = f[0] == 0   ? std::max(std::abs(ux), std::abs(uy)) <= 1
                      : f[0] == 1 ? (ux / 1.2) * (ux / 1.2) + (uy / 0.6) * (uy / 0.6) <= 1
                                  : heart * heart * heart <= x * x * y * y * y;
      out.push_back(in ? 1.f : 0.f);
    }
  return out;
}

}  // namespace

TEST_CASE("dSprites draws every shape, scale and orientation as the header defines, at the corners and the centre",
          "[dsprites]") {
  // draw() tests only the pixels near the shape; the definition tests all 4096.
  const std::vector<std::pair<core::Index, core::Index>> places = {{0, 0}, {0, 31}, {31, 0}, {31, 31}, {15, 16}};
  std::int64_t mismatched = 0, white = 0;
  for (core::Index shape = 0; shape < 3; ++shape)
    for (core::Index scale = 0; scale < 6; ++scale)
      for (core::Index turn = 0; turn < 40; ++turn)
        for (const auto& [x, y] : places) {
          const DSprites::Factors f{shape, scale, turn, x, y};
          const std::vector<float> drawn = image(f), defined = drawn_by_definition(f);
          mismatched += drawn != defined;
          white += static_cast<std::int64_t>(area(defined));
        }
  CHECK(mismatched == 0);
  CHECK(white > 0);
}

TEST_CASE("dSprites holds every combination once, indexed with posY fastest", "[dsprites]") {
  const DSprites all;
  CHECK(all.size() == 737280);
  CHECK(DSprites::index_of({0, 0, 0, 0, 1}) == 1);
  CHECK(DSprites::index_of({2, 5, 39, 31, 31}) == 737279);
  for (core::Index i : {core::Index{0}, core::Index{12345}, core::Index{737279}}) CHECK(DSprites::index_of(DSprites::factors_of(i)) == i);
  const nn::Batch b = all.get_batch({0, 737279});
  CHECK(b.x.shape() == core::Shape{2, 4096});
  CHECK(b.labels.shape() == core::Shape{2, 5});
  CHECK(b.labels.at({1, 2}) == 39);
  CHECK_THROWS_WITH(DSprites::draw({3, 0, 0, 0, 0}, nullptr), Catch::Contains("factor shape = 3"));
}

TEST_CASE("dSprites is deterministic and a seeded sample holds distinct combinations", "[dsprites]") {
  const DSprites a({.count = 500, .seed = 4}), b({.count = 500, .seed = 4}), c({.count = 500, .seed = 5});
  std::vector<core::Index> rows(500);
  std::iota(rows.begin(), rows.end(), 0);
  const nn::Batch ba = a.get_batch(rows), bb = b.get_batch(rows), bc = c.get_batch(rows);
  CHECK(std::equal(ba.x.begin(), ba.x.end(), bb.x.begin()));
  CHECK_FALSE(std::equal(ba.labels.begin(), ba.labels.end(), bc.labels.begin()));
  std::set<core::Index> distinct;
  for (core::Index i = 0; i < 500; ++i) {
    const core::Index* f = ba.labels.data() + i * 5;
    distinct.insert(DSprites::index_of({f[0], f[1], f[2], f[3], f[4]}));
  }
  CHECK(distinct.size() == 500);
  CHECK(std::all_of(ba.x.begin(), ba.x.end(), [](float v) { return v == 0.f || v == 1.f; }));
}

TEST_CASE("a dSprites shape's area grows with scale squared", "[dsprites]") {
  for (core::Index shape = 0; shape < 3; ++shape) {
    INFO("shape " << shape);
    const double small = area(image({shape, 0, 3, 16, 16})), large = area(image({shape, 5, 3, 16, 16}));
    CHECK(large / small == Approx(4.0).epsilon(0.12));  // (1.0 / 0.5)^2, up to the pixel grid
    CHECK(area(image({shape, 2, 3, 16, 16})) / small == Approx(1.96).epsilon(0.12));  // (0.7 / 0.5)^2
  }
  CHECK(area(image({0, 5, 0, 16, 16})) == 256);  // the unrotated scale-1 square: 16 x 16 pixels
}

TEST_CASE("dSprites orientations turn the shapes: squares repeat every 10 steps, ellipses every 20, hearts not",
          "[dsprites]") {
  const auto square = image({0, 5, 3, 10, 20}), ellipse = image({1, 5, 7, 10, 20}), heart = image({2, 5, 7, 10, 20});
  CHECK(differing(square, image({0, 5, 13, 10, 20})) <= 0.03 * area(square));   // + pi/2
  CHECK(differing(ellipse, image({1, 5, 27, 10, 20})) <= 0.03 * area(ellipse)); // + pi
  CHECK(differing(ellipse, image({1, 5, 17, 10, 20})) > 0.3 * area(ellipse));   // + pi/2 turns it
  CHECK(differing(heart, image({2, 5, 27, 10, 20})) > 0.3 * area(heart));       // + pi turns it upside down
  CHECK(differing(square, image({0, 5, 4, 10, 20})) > 0);                        // one step is visible
}

TEST_CASE("dSprites positions move the centre of mass by 40/31 pixels per step", "[dsprites]") {
  for (core::Index shape = 0; shape < 3; ++shape) {
    const auto [x0, y0] = centre(image({shape, 3, 11, 8, 20}));
    const auto [x1, y1] = centre(image({shape, 3, 11, 9, 20}));
    const auto [x2, y2] = centre(image({shape, 3, 11, 8, 21}));
    CHECK(x1 - x0 == Approx(40.0 / 31).margin(0.25));
    CHECK(y1 == Approx(y0).margin(0.25));
    CHECK(y2 - y0 == Approx(40.0 / 31).margin(0.25));
    CHECK(x2 == Approx(x0).margin(0.25));
  }
}
