#include "xgrad/nn/data/corruption.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace xgrad::nn {

namespace {

constexpr const char* kForms = "gaussian:SIGMA, mask:P, salt:P or block:SIZE";

struct KindName {
  Corruption::Kind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{Corruption::Kind::Gaussian, "gaussian"},
                               {Corruption::Kind::Mask, "mask"},
                               {Corruption::Kind::SaltPepper, "salt"},
                               {Corruption::Kind::Block, "block"}};

[[noreturn]] void bad_spec(const std::string& spec, const std::string& why) {
  throw core::ValueError(fmt::format("corruption '{}': {} (expected {})", spec, why, kForms));
}

double parse_amount(const std::string& spec, const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
    bad_spec(spec, fmt::format("'{}' is not a number", text));
  return v;
}

void check_range(const std::string& spec, Corruption::Kind kind, double v) {
  switch (kind) {
    case Corruption::Kind::Gaussian:
      if (!(v > 0)) bad_spec(spec, "SIGMA must be positive");
      return;
    case Corruption::Kind::Mask:
    case Corruption::Kind::SaltPepper:
      if (!(v > 0 && v <= 1)) bad_spec(spec, "P must be in (0, 1]");
      return;
    case Corruption::Kind::Block:
      if (!(v >= 1) || v != std::floor(v)) bad_spec(spec, "SIZE must be a whole number of pixels >= 1");
      return;
  }
}

/// Where a row's pixels are: `planes` images of h x w (channels), contiguous.
struct RowGeometry {
  core::Index planes = 1, h = 0, w = 0;
};

RowGeometry geometry(const core::Tensor<float>& x, bool need_square) {
  RowGeometry g;
  if (x.dim() == 2) {
    const core::Index d = x.size(1);
    const auto side = static_cast<core::Index>(std::lround(std::sqrt(static_cast<double>(d))));
    if (side * side == d) {
      g.h = side, g.w = side;
    } else if (need_square) {
      throw core::ShapeError(fmt::format("corruption: block needs square images, and rows of {} pixels are not", d));
    } else {
      g.h = 1, g.w = d;  // pixel-wise kinds need no geometry
    }
  } else if (x.dim() == 3 || x.dim() == 4) {
    g.planes = x.dim() == 4 ? x.size(1) : 1;
    g.h = x.size(x.dim() - 2), g.w = x.size(x.dim() - 1);
  } else {
    throw core::ShapeError(fmt::format("corruption: images must be (B, D), (B, H, W) or (B, C, H, W), not {}",
                                       x.shape().str()));
  }
  return g;
}

void corrupt_pixels(const Corruption& c, float* px, core::Index n, core::Generator& gen) {
  const double a = c.amount;
  for (core::Index i = 0; i < n; ++i) {
    switch (c.kind) {
      case Corruption::Kind::Gaussian:
        px[i] = std::clamp(static_cast<float>(px[i] + a * gen.normal()), 0.f, 1.f);
        break;
      case Corruption::Kind::Mask:
        if (gen.uniform() < a) px[i] = 0.f;
        break;
      case Corruption::Kind::SaltPepper:
        if (const double u = gen.uniform(); u < a) px[i] = u < a / 2 ? 0.f : 1.f;
        break;
      case Corruption::Kind::Block:
        break;
    }
  }
}

void occlude_block(core::Index s, const RowGeometry& g, float* px, core::Generator& gen) {
  if (s > g.h || s > g.w)
    throw core::ValueError(fmt::format("corruption: a block of {} pixels does not fit in {} x {} images", s, g.h, g.w));
  const auto top = static_cast<core::Index>(gen.below(static_cast<std::uint64_t>(g.h - s + 1)));
  const auto left = static_cast<core::Index>(gen.below(static_cast<std::uint64_t>(g.w - s + 1)));
  for (core::Index p = 0; p < g.planes; ++p)
    for (core::Index r = top; r < top + s; ++r) std::fill_n(px + (p * g.h + r) * g.w + left, s, 0.f);
}

/// Corrupts one row (every plane of one image) in place.
void corrupt_row(const Corruption& c, const RowGeometry& g, float* px, core::Generator& gen) {
  if (c.kind == Corruption::Kind::Block) occlude_block(static_cast<core::Index>(c.amount), g, px, gen);
  else corrupt_pixels(c, px, g.planes * g.h * g.w, gen);
}

}  // namespace

Corruption Corruption::parse(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  const auto* k = std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindName& n) { return name == n.name; });
  if (k == std::end(kKinds)) bad_spec(spec, fmt::format("unknown kind '{}'", name));
  if (colon == std::string::npos) bad_spec(spec, "missing its amount after ':'");
  Corruption c{.kind = k->kind, .amount = parse_amount(spec, spec.substr(colon + 1))};
  check_range(spec, c.kind, c.amount);
  return c;
}

std::string Corruption::str() const {
  const auto* k = std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindName& n) { return n.kind == kind; });
  return fmt::format("{}:{}", k->name, amount);
}

core::Tensor<float> Corruption::apply(const core::Tensor<float>& x, core::Generator& gen) const {
  const RowGeometry g = geometry(x, kind == Kind::Block);
  core::Tensor<float> out(x);
  const core::Index row = g.planes * g.h * g.w;
  for (core::Index b = 0; b < x.size(0); ++b) corrupt_row(*this, g, out.data() + b * row, gen);
  return out;
}

Batch Corruption::apply(const Batch& batch, core::Generator& gen) const {
  return Batch{.x = apply(batch.x, gen), .y = batch.y, .labels = batch.labels};
}

CorruptedDataset::CorruptedDataset(std::shared_ptr<const Dataset> base, Corruption corruption, std::uint64_t seed)
    : base_(std::move(base)), corruption_(corruption), seed_(seed) {
  if (!base_) throw core::ValueError("CorruptedDataset: no base dataset");
}

Batch CorruptedDataset::get_batch(const std::vector<core::Index>& indices) const {
  Batch clean = base_->get_batch(indices);
  if (!clean.x.defined()) throw core::ValueError("CorruptedDataset: the base dataset has no images x to corrupt");
  const RowGeometry g = geometry(clean.x, corruption_.kind == Corruption::Kind::Block);
  Batch out{.x = clean.x, .y = std::move(clean.x), .labels = clean.labels};
  const core::Index row = g.planes * g.h * g.w;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    // splitmix64's increment spreads neighbouring rows over unrelated streams.
    core::Generator gen(seed_ ^ (0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(indices[i]) + 1)));
    corrupt_row(corruption_, g, out.x.data() + static_cast<core::Index>(i) * row, gen);
  }
  return out;
}

}  // namespace xgrad::nn
