#include "xgrad/nn/data/label_subset.hpp"

#include <catch2/catch.hpp>

using namespace xgrad;
using core::Index;

namespace {

/// Ten rows whose x is their index and whose labels cycle 0, 1, 2, 0, 1, ...
std::shared_ptr<nn::TensorDataset> cycling_labels() {
  core::Tensor<float> x({10, 1});
  core::IndexTensor labels({10});
  for (Index i = 0; i < 10; ++i) x.data()[i] = float(i), labels.data()[i] = i % 3;
  return std::make_shared<nn::TensorDataset>(x, core::Tensor<float>{}, labels);
}

}  // namespace

TEST_CASE("label_subset keeps the rows of the classes asked for, in order", "[data]") {
  const auto s = nn::label_subset(cycling_labels(), {0, 2});
  CHECK(s->indices() == std::vector<Index>{0, 2, 3, 5, 6, 8, 9});
}

TEST_CASE("label_subset keeps the first N rows of each class", "[data]") {
  CHECK(nn::label_subset(cycling_labels(), {}, 2)->indices() == std::vector<Index>{0, 1, 2, 3, 4, 5});
  CHECK(nn::label_subset(cycling_labels(), {1}, 1)->indices() == std::vector<Index>{1});
}

TEST_CASE("label_subset refuses data without labels and an empty choice", "[data]") {
  CHECK_THROWS_WITH(nn::label_subset(cycling_labels(), {7}), "label_subset: no row has one of the classes asked for");
  auto unlabelled = std::make_shared<nn::TensorDataset>(core::Tensor<float>::zeros({3, 1}));
  CHECK_THROWS_WITH(nn::label_subset(unlabelled, {0}), "label_subset: the data has no class labels (one per row)");
}
