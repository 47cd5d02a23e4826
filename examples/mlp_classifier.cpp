// A Fashion-MNIST classifier in a page: an MLP, Adam and cross-entropy.
// Run: build/bin/xgrad_example_mlp_classifier [epochs]   (prints test accuracy per epoch)
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "xgrad/xgrad.hpp"

using namespace xgrad;

// Fraction of test images whose arg-max logit is the label.
double accuracy(nn::MLP& model, const nn::Dataset& test) {
  autograd::NoGradGuard no_grad;
  nn::DataLoader loader(std::shared_ptr<const nn::Dataset>(&test, [](auto*) {}),
                        {.batch_size = 1000, .shuffle = false});
  core::Index correct = 0;
  for (const nn::Batch& b : loader) {
    const auto predicted = core::argmax(model.forward(nn::Var(b.x)).value(), 1);
    for (core::Index i = 0; i < b.size(); ++i) correct += predicted.data()[i] == b.labels.data()[i];
  }
  return static_cast<double>(correct) / static_cast<double>(test.size());
}

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 3;
  core::Generator gen(0);
  auto train = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.train = true});
  nn::FashionMnist test(nn::FashionMnistOptions{.train = false});
  nn::MLP model(nn::MLPOptions{.sizes = {784, 256, 10}}, gen);
  nn::Adam opt(model.parameters(), nn::AdamOptions{.lr = 1e-3});
  nn::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = 0});
  double acc = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    for (const nn::Batch& b : loader) {
      opt.zero_grad();
      nn::cross_entropy(model.forward(nn::Var(b.x)), b.labels).backward();
      opt.step();
    }
    acc = accuracy(model, test);
    std::printf("epoch %d: test accuracy %.4f\n", epoch, acc);
  }
  return acc >= 0.85 ? 0 : 1;  // the bar: >= 85% within 3 epochs
}
