// A downstream project, as a researcher writes one after `cmake --install` of xgrad:
// a VAE variant of their own (their own encoder, the library's head, decoder and
// likelihood) trained by the library's trainer — checkpoints, resume and metrics
// come with it. main() then checks that a run stopped half-way and resumed ends
// with exactly the bits of an uninterrupted one.
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <filesystem>

using namespace xgrad;

// ---- the user's code: a variant and its training (what the 40-line budget is for) ----
// A tanh encoder with a skip connection, in place of the default ReLU MLP.
struct SkipEncoder : nn::Layer {
  std::shared_ptr<nn::Linear> in, hidden;
  SkipEncoder(core::Index d, core::Index h, core::Generator& gen) {
    in = register_module("in", nn::make<nn::Linear>(nn::LinearOptions{d, h}, gen));
    hidden = register_module("hidden", nn::make<nn::Linear>(nn::LinearOptions{h, h}, gen));
  }
  nn::Var forward(const nn::Var& x) override {
    const nn::Var a = autograd::tanh(in->forward(x));
    return autograd::add(a, autograd::tanh(hidden->forward(a)));
  }
};

std::shared_ptr<models::Vae> my_vae(core::Generator& gen) {
  models::VaeOptions o{.input = 16, .hidden = {32}, .latent = 2};
  models::VaeParts parts = models::make_vae_parts(o, gen);  // default decoder, head and Bernoulli pixels
  parts.encoder = std::make_shared<SkipEncoder>(16, 32, gen);
  return std::make_shared<models::Vae>(o, std::move(parts));
}

nn::Trainer::Outcome train(models::Vae& model, core::Generator& gen, std::shared_ptr<nn::Dataset> data,
                           const std::string& dir, bool resume, std::int64_t stop_after) {
  nn::Trainer trainer(model, gen, data,
                      {.budget = {.epochs = 4}, .batch_size = 16, .seed = 7, .optimizer = {.lr = 3e-3},
                       .eval_every_epoch = true, .dir = dir, .stop_after_steps = stop_after});
  if (resume) trainer.resume();
  return trainer.fit();
}
// ---- end of the user's code ----

// Binary 4x4 patterns: two stripes with flipped pixels, generated with a seed.
std::shared_ptr<nn::Dataset> patterns() {
  core::Generator gen(3);
  core::Tensor<float> x(core::Shape{96, 16});
  for (core::Index i = 0; i < 96; ++i)
    for (core::Index j = 0; j < 16; ++j) {
      const bool on = (i % 2 == 0) ? (j % 4 < 2) : (j / 4 < 2);
      x.data()[i * 16 + j] = (gen.next_u64() % 10 == 0) != on ? 1.f : 0.f;
    }
  return std::make_shared<nn::TensorDataset>(x);
}

int main() {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / "xgrad-consumer";
  fs::remove_all(root);
  auto data = patterns();
  core::Generator g1(1), g2(1), g3(99);
  auto straight = my_vae(g1);
  train(*straight, g1, data, (root / "a").string(), false, 0);
  auto stopped = my_vae(g2);
  if (train(*stopped, g2, data, (root / "b").string(), false, 9) != nn::Trainer::Outcome::Stopped) return 1;
  auto resumed = my_vae(g3);  // other weights: everything must come back from the checkpoint
  train(*resumed, g3, data, (root / "b").string(), true, 0);
  if (resumed->state_dict()[0].second.to_vector() != straight->state_dict()[0].second.to_vector()) return 2;
  for (const auto& [name, t] : straight->state_dict())
    for (const auto& [name2, t2] : resumed->state_dict())
      if (name == name2 && t.to_vector() != t2.to_vector()) return 3;
  for (const char* f : {"metrics.jsonl", "checkpoint.safetensors"})
    if (!fs::exists(root / "b" / f)) return 4;
  std::printf("consumer ok: a user VAE with its own encoder trained, stopped at step 9, resumed bit-exact\n");
  return 0;
}
