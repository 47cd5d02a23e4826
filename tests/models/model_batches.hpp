#pragma once
// Made-up batches for the tests that run every model's step: images (rows of 784 in [0, 1)
// with labels 0-9 in turn), series (Gaussian, one feature) and text (bytes in [32, 127)).
#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::test {

inline nn::Batch image_batch(core::Generator& gen, core::Index rows) {
  nn::Batch b{.x = core::uniform<float>({rows, 784}, 0.f, 1.f, gen), .y = {}, .labels = core::IndexTensor(core::Shape{rows})};
  for (core::Index i = 0; i < rows; ++i) b.labels.data()[i] = i % 10;
  return b;
}

inline nn::Batch series_batch(core::Generator& gen, core::Index rows, core::Index steps) {
  return {core::normal<float>({rows, steps, 1}, 0.f, 1.f, gen), {}, {}};
}

inline nn::Batch text_batch(core::Generator& gen, core::Index rows, core::Index length) {
  core::IndexTensor ids({rows, length});
  const auto u = core::uniform<float>({rows, length}, 32.f, 127.f, gen);
  for (core::Index i = 0; i < ids.numel(); ++i) ids.data()[i] = static_cast<core::Index>(u.data()[i]);
  return {{}, {}, ids};
}

}  // namespace xgrad::test
