// The built-in classifier's network: Fashion-MNIST's by default, any image shape and class
// count for `xgrad augment` on one's own data.
#include <catch2/catch.hpp>

#include <map>

#include "image/classifier.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"

using namespace xgrad;

namespace {

/// Parameters of each name, e.g. {"body.5.weight": {128, 1568}}.
std::map<std::string, core::Shape> parameter_shapes(const apps::Classifier& c) {
  std::map<std::string, core::Shape> shapes;
  for (const auto& [name, p] : c.named_parameters()) shapes.emplace(name, p.value().shape());
  return shapes;
}

/// n images of `shape`, each a flat colour (class k lights channel k) with noise; labels i % classes.
std::shared_ptr<nn::TensorDataset> colour_classes(const apps::ClassifierShape& shape, core::Index n, core::Generator& gen) {
  const core::Index plane = shape.height * shape.width, values = shape.channels * plane;
  core::Tensor<float> x = core::uniform<float>({n, values}, 0.f, 0.3f, gen);
  core::IndexTensor labels(core::Shape{n});
  for (core::Index i = 0; i < n; ++i) {
    labels.data()[i] = i % shape.classes;
    for (core::Index p = 0; p < plane; ++p) x.data()[i * values + labels.data()[i] * plane + p] += 0.7f;
  }
  return std::make_shared<nn::TensorDataset>(x, core::Tensor<float>{}, labels);
}

}  // namespace

TEST_CASE("the default classifier is Fashion-MNIST's: 1x28x28 images, 1568 features, ten classes", "[apps]") {
  core::Generator gen(1);
  const apps::Classifier c(gen);
  const auto shapes = parameter_shapes(c);
  CHECK(shapes.at("body.0.weight") == core::Shape({16, 1, 3, 3}));
  CHECK(shapes.at("body.5.weight") == core::Shape({128, 32 * 7 * 7}));
  CHECK(shapes.at("head.0.weight") == core::Shape({10, 128}));
}

TEST_CASE("the classifier takes any channel count, image size and class count", "[apps]") {
  core::Generator gen(2);
  const apps::ClassifierShape shape{.channels = 3, .height = 10, .width = 6, .classes = 4};
  apps::Classifier c(gen, shape);
  const auto shapes = parameter_shapes(c);
  CHECK(shapes.at("body.0.weight") == core::Shape({16, 3, 3, 3}));
  CHECK(shapes.at("body.5.weight") == core::Shape({128, 32 * 3 * 2}));  // 10 -> 5 -> 3 rows, 6 -> 3 -> 2 columns
  const auto x = core::uniform<float>({5, 3 * 10 * 6}, 0.f, 1.f, gen);
  CHECK(c.forward(nn::Var(x)).value().shape() == core::Shape({5, 4}));
  CHECK(c.features(x).shape() == core::Shape({5, 128}));
  for (int p : c.predict(x)) CHECK((p >= 0 && p < 4));
}

TEST_CASE("a classifier of colour images learns classes told apart by their colour", "[apps]") {
  core::Generator gen(3);
  const apps::ClassifierShape shape{.channels = 3, .height = 8, .width = 8, .classes = 3};
  const auto train = colour_classes(shape, 96, gen), test = colour_classes(shape, 30, gen);
  const auto c = apps::fit_classifier(train, shape, {.steps = 60}, 4);
  CHECK(apps::classifier_accuracy(*c, *test) == Approx(1.0));
}

TEST_CASE("a classifier of fewer than two classes is refused", "[apps]") {
  core::Generator gen(4);
  CHECK_THROWS_WITH(apps::Classifier(gen, {.classes = 1}), Catch::Matchers::Contains("at least 2 classes"));
}
