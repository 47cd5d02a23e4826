// The built-in kinds of the registry: each is its options with their defaults and
// a few lines that turn them into the model's Options (and the optimizer's).
#include <fmt/format.h>

#include <sstream>

#include "xgrad/models/aae.hpp"
#include "xgrad/models/ae.hpp"
#include "xgrad/models/beta_tcvae.hpp"
#include "xgrad/models/beta_vae.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/dae.hpp"
#include "xgrad/models/dvae.hpp"
#include "xgrad/models/factor_vae.hpp"
#include "xgrad/models/hvae.hpp"
#include "xgrad/models/rnn_lm.hpp"
#include "xgrad/models/transformer_lm.hpp"
#include "xgrad/models/transformer_vae.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/models/vq_vae.hpp"
#include "xgrad/models/vrnn.hpp"

namespace xgrad::models {

namespace {

double positive(const ModelOptions& o, const std::string& name) {
  const OptionValue& v = o.at(name);
  const double x = std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(option<std::int64_t>(o, name));
  if (!(x > 0)) throw core::ValueError(fmt::format("{} must be positive (got {})", name, x));
  return x;
}

Index positive_count(const ModelOptions& o, const std::string& name) {
  return static_cast<Index>(positive(o, name));
}

/// lr and lr_schedule (every kind has them: ModelRegistry::add), and clip where the kind has it, for the trainer.
nn::OptimizerOptions optimizer_of(const ModelOptions& o) {
  nn::OptimizerOptions opt;
  opt.lr = positive(o, "lr");
  if (o.count("lr_schedule")) opt.lr_schedule = option<std::string>(o, "lr_schedule");
  if (o.count("clip")) {
    opt.clip_norm = option<double>(o, "clip");
    if (opt.clip_norm < 0) throw core::ValueError(fmt::format("clip must be >= 0 (got {})", opt.clip_norm));
  }
  return opt;
}

/// The objective an optional kl_schedule option asks for (the plain ELBO when empty).
std::optional<KlSchedule> schedule_of(const ModelOptions& o) {
  const std::string spec = option<std::string>(o, "kl_schedule");
  if (spec.empty()) return std::nullopt;
  try {
    return KlSchedule::parse(spec);
  } catch (const core::Error& e) {
    throw core::ValueError(fmt::format("kl_schedule: {}", e.what()));
  }
}

ElboLoss elbo_loss_of(const ModelOptions& o) {
  const auto s = schedule_of(o);
  return s ? ElboLoss(*s) : ElboLoss();
}

ModelOptions image_defaults(std::int64_t latent) {
  return {{"latent", latent}, {"lr", 1e-3}, {"kl_schedule", std::string()}, {"iwae_k", std::int64_t{1}}};
}

/// The network's shape, for data other than Fashion-MNIST: "input" values a row and the
/// conv networks' image "channels" (`xgrad train` sets both from the data: dsprites 4096 x 1,
/// a colour image folder 3 x S x S), and "hidden" sizes ("1200,1200": Chen et al.'s MLP).
ModelOptions with_shape(ModelOptions o) {
  o["input"] = std::int64_t{784};
  o["channels"] = std::int64_t{1};
  o["hidden"] = std::string("400");
  return o;
}

/// A list of positive sizes like "1200,1200" (option `name`).
std::vector<Index> sizes_of(const ModelOptions& o, const std::string& name) {
  std::vector<Index> sizes;
  std::stringstream list(option<std::string>(o, name));
  for (std::string h; std::getline(list, h, ',');) {
    try {
      sizes.push_back(std::stoll(h));
    } catch (const std::exception&) {
      sizes.clear();
      break;
    }
    if (sizes.back() <= 0) throw core::ValueError(fmt::format("{} sizes must be positive (got {})", name, h));
  }
  if (sizes.empty()) throw core::ValueError(fmt::format("{}: expected sizes like 1200,1200 (got '{}')", name, option<std::string>(o, name)));
  return sizes;
}

VaeOptions vae_options_of(const ModelOptions& o, VaeOptions v = {}) {
  v.latent = positive_count(o, "latent");
  v.input = positive_count(o, "input");
  v.channels = positive_count(o, "channels");
  v.hidden = sizes_of(o, "hidden");
  return v;
}

/// iwae_k > 1: train on the importance-weighted bound (IwaeLoss) instead of the ELBO.
template <class M>
std::shared_ptr<M> with_training_bound(std::shared_ptr<M> model, const ModelOptions& o) {
  const std::int64_t k = positive_count(o, "iwae_k");
  if (k == 1) return model;
  if (!option<std::string>(o, "kl_schedule").empty())
    throw core::ValueError("iwae_k > 1 trains on the IWAE bound, which takes no kl_schedule");
  model->set_objective(IwaeLoss{static_cast<int>(k)});
  return model;
}

const ModelCapabilities kImage{.image = true};

/// "bernoulli" (pixels in [0, 1]) or "gauss" (real values: `xgrad train` picks it for tabular data).
VaeOptions::Likelihood likelihood_of(const ModelOptions& o) {
  const std::string l = option<std::string>(o, "likelihood");
  if (l != "bernoulli" && l != "gauss") throw core::ValueError(fmt::format("unknown likelihood '{}' (choose from bernoulli, gauss)", l));
  return l == "gauss" ? VaeOptions::Likelihood::Gaussian : VaeOptions::Likelihood::Bernoulli;
}

void add_vae(ModelRegistry& r, const std::string& kind, VaeOptions::Arch arch, const std::string& summary) {
  ModelOptions defaults = with_shape(image_defaults(20));
  defaults["likelihood"] = std::string("bernoulli");
  r.add({kind, summary, kImage, defaults, [arch](const ModelOptions& o, core::Generator& gen) {
           VaeOptions v = vae_options_of(o, {.arch = arch, .objective = elbo_loss_of(o)});
           v.likelihood = likelihood_of(o);
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{with_training_bound(std::make_shared<Vae>(v, gen), o), opt};
         }});
}

VrnnLikelihood vrnn_likelihood_of(const ModelOptions& o) {
  if (option<bool>(o, "text")) return VrnnLikelihood::Categorical;
  const std::string l = option<std::string>(o, "likelihood");
  if (l != "gauss" && l != "gmm") throw core::ValueError(fmt::format("unknown likelihood '{}' (choose from gauss, gmm)", l));
  return l == "gmm" ? VrnnLikelihood::Mixture : VrnnLikelihood::Gaussian;
}

RecurrentCell cell_of(const ModelOptions& o) {
  const std::string c = option<std::string>(o, "cell");
  if (c != "gru" && c != "lstm") throw core::ValueError(fmt::format("unknown cell '{}' (choose from gru, lstm)", c));
  return c == "lstm" ? RecurrentCell::LSTM : RecurrentCell::GRU;
}

ModelOptions sequence_defaults() {
  return {{"text", true}, {"cell", std::string("gru")}, {"likelihood", std::string("gauss")}, {"hidden", std::int64_t{128}},
          {"lr", 1e-3}, {"clip", 0.0}};
}

TcSampling sampling_of(const ModelOptions& o) {
  const std::string s = option<std::string>(o, "sampling");
  if (s != "mws" && s != "mss") throw core::ValueError(fmt::format("unknown sampling '{}' (choose from mws, mss)", s));
  return s == "mss" ? TcSampling::MinibatchStratified : TcSampling::MinibatchWeighted;
}

double non_negative(const ModelOptions& o, const std::string& name) {
  const double x = option<double>(o, name);
  if (!(x >= 0)) throw core::ValueError(fmt::format("{} must be >= 0 (got {})", name, x));
  return x;
}

/// factor-vae and beta-tcvae (models/README.md#disentangling-vaes).
void register_disentangling_models(ModelRegistry& r) {
  ModelOptions factor = with_shape({{"latent", std::int64_t{20}}, {"lr", 1e-3}});
  factor["gamma"] = 10.0;  // Fashion-MNIST; the paper's dSprites value is 35
  r.add({"factor-vae", "FactorVAE: the VAE plus gamma x TC from a critic on permuted codes (Kim & Mnih 2018)", kImage,
         factor, [](const ModelOptions& o, core::Generator& gen) {
           const FactorVaeOptions f{.vae = vae_options_of(o), .gamma = non_negative(o, "gamma")};
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{std::make_shared<FactorVae>(f, gen), opt};
         }});
  ModelOptions tc = with_shape({{"latent", std::int64_t{20}}, {"lr", 1e-3}});
  tc.insert({{"alpha", 1.0}, {"beta", 6.0}, {"gamma", 1.0}, {"sampling", std::string("mws")},
             {"dataset_size", std::int64_t{60000}}});  // xgrad train sets the training set's size
  r.add({"beta-tcvae", "beta-TCVAE: the KL split into MI, TC and dimension-wise KL (Chen et al. 2018)", kImage, tc,
         [](const ModelOptions& o, core::Generator& gen) {
           const TcDecomposedLoss loss{.alpha = non_negative(o, "alpha"), .beta = non_negative(o, "beta"),
                                       .gamma = non_negative(o, "gamma"), .dataset_size = positive_count(o, "dataset_size"),
                                       .sampling = sampling_of(o)};
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{std::make_shared<BetaTcVae>(BetaTcVaeOptions{vae_options_of(o), loss}, gen), opt};
         }});
}

// ae, dae, dvae: the VAE's networks ("arch": mlp or conv); dae and dvae corrupt the encoder's input in training.
VaeOptions::Arch arch_of(const ModelOptions& o) {
  const std::string a = option<std::string>(o, "arch");
  if (a != "mlp" && a != "conv") throw core::ValueError(fmt::format("unknown arch '{}' (choose from mlp, conv)", a));
  return a == "conv" ? VaeOptions::Arch::Conv : VaeOptions::Arch::Mlp;
}

AutoencoderOptions autoencoder_of(const ModelOptions& o) {
  return {.arch = arch_of(o), .latent = positive_count(o, "latent")};
}

nn::Corruption corruption_of(const ModelOptions& o) { return nn::Corruption::parse(option<std::string>(o, "corruption")); }

// No ELBO, KL or IWAE bound: eval and compare report the reconstruction only.
const ModelCapabilities kAutoencoder{.image = true, .has_elbo = false, .has_iwae = false, .has_kl = false};

void add_autoencoders(ModelRegistry& r) {
  const ModelOptions ae{{"latent", std::int64_t{20}}, {"lr", 1e-3}, {"arch", std::string("mlp")}};
  r.add({"ae", "autoencoder with the VAE's networks; samples from a Gaussian fitted to its training codes", kAutoencoder,
         ae, [](const ModelOptions& o, core::Generator& gen) {
           return BuiltModel{std::make_shared<Autoencoder>(autoencoder_of(o), gen), optimizer_of(o)};
         }});
  ModelOptions dae = ae;
  dae["corruption"] = DaeOptions{}.corruption.str();
  r.add({"dae", "denoising autoencoder: corrupted input, clean target (Vincent et al. 2008)", kAutoencoder, dae,
         [](const ModelOptions& o, core::Generator& gen) {
           const DaeOptions d{.autoencoder = autoencoder_of(o), .corruption = corruption_of(o)};
           return BuiltModel{std::make_shared<Dae>(d, gen), optimizer_of(o)};
         }});
  ModelOptions dvae = image_defaults(20);
  dvae["arch"] = std::string("mlp");
  dvae["corruption"] = DvaeOptions{}.corruption.str();
  r.add({"dvae", "denoising VAE: corruption before the encoder, ELBO on the clean x (Im et al. 2017)", kImage, dvae,
         [](const ModelOptions& o, core::Generator& gen) {
           const DvaeOptions d{.vae = {.arch = arch_of(o), .latent = positive_count(o, "latent"), .objective = elbo_loss_of(o)},
                               .corruption = corruption_of(o)};
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{with_training_bound(std::make_shared<Dvae>(d, gen), o), opt};
         }});
}

void add_vq_vae(ModelRegistry& r) {
  const ModelOptions defaults{{"codes", std::int64_t{128}}, {"dim", std::int64_t{64}}, {"width", std::int64_t{64}},
                              {"ema", false}, {"beta", 0.25}, {"restart_every", std::int64_t{100}},
                              {"prior", std::string("pixelcnn")}, {"prior_channels", std::int64_t{64}},
                              {"prior_layers", std::int64_t{5}}, {"prior_heads", std::int64_t{4}}, {"prior_dropout", 0.0},
                              {"lr", 1e-3}};
  r.add({"vq-vae", "VQ-VAE: a 7x7 grid of discrete codes, PixelCNN or Transformer prior (van den Oord et al. 2017)",
         {.image = true, .has_elbo = false, .has_iwae = false, .has_kl = false, .code_prior = true, .data_parallel = false},
         defaults,
         [](const ModelOptions& o, core::Generator& gen) {
           VqVaeOptions v;
           v.quantizer = {.codes = positive_count(o, "codes"), .dim = positive_count(o, "dim"),
                          .beta = positive(o, "beta"), .ema = option<bool>(o, "ema")};
           v.hidden = positive_count(o, "width");
           v.restart_every = option<std::int64_t>(o, "restart_every");
           v.prior_channels = positive_count(o, "prior_channels");
           v.prior_layers = positive_count(o, "prior_layers");
           v.prior_heads = positive_count(o, "prior_heads");
           v.prior_dropout = non_negative(o, "prior_dropout");
           if (v.prior_dropout >= 1)
             throw core::ValueError(fmt::format("prior_dropout must be in [0, 1) (got {})", v.prior_dropout));
           v.prior = option<std::string>(o, "prior");
           if (v.prior != "pixelcnn" && v.prior != "transformer")
             throw core::ValueError(fmt::format("prior must be pixelcnn or transformer (got '{}')", v.prior));
           if (v.prior == "transformer" && v.prior_channels % v.prior_heads != 0)
             throw core::ValueError(fmt::format("prior_heads ({}) must divide prior_channels ({}), the Transformer's width",
                                                v.prior_heads, v.prior_channels));
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{std::make_shared<VqVae>(v, gen), opt};
         }});
}

/// hvae (models/README.md#hierarchical-vae): sizes bottom layer first; by default batch 64, Adam
/// 2e-3 cut to a quarter every 7504 steps (after 8 epochs of 60,000 at batch 64), KL warm-up over
/// 2000 steps (two epochs) and 2 nats of free bits per layer: what met issue 17's figures at 10
/// epochs on every seed tried (docs/results/hvae). The schedules count steps: another --batch
/// moves them in epochs.
void add_hvae(ModelRegistry& r) {
  ModelOptions h{{"input", std::int64_t{784}}, {"hidden", std::string("512,256,128")}, {"latents", std::string("32,16,8")},
                 {"lr", 2e-3}, {"lr_schedule", std::string("step:7504:0.25")},
                 {"kl_schedule", std::string("linear:2000,group-free-bits:2")},
                 {"iwae_k", std::int64_t{1}}};
  r.add({"hvae", "hierarchical VAE: a Ladder VAE with top-down inference (Sønderby et al. 2016)", kImage, h,
         [](const ModelOptions& o, core::Generator& gen) {
           const HvaeOptions v{.input = positive_count(o, "input"), .hidden = sizes_of(o, "hidden"),
                               .latent = sizes_of(o, "latents"), .objective = elbo_loss_of(o)};
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{with_training_bound(std::make_shared<Hvae>(v, gen), o), opt};
         },
         64});
}

/// The Transformer sizes of the sequence kinds: d_model is "hidden", as the VRNN's state.
CausalDecoderOptions causal_decoder_of(const ModelOptions& o) {
  return {.likelihood = vrnn_likelihood_of(o), .x_dim = 1, .classes = 256, .d_model = positive_count(o, "hidden"),
          .heads = positive_count(o, "heads"), .layers = positive_count(o, "layers"),
          .feedforward = positive_count(o, "feedforward"), .dropout = static_cast<float>(non_negative(o, "dropout")),
          .context = positive_count(o, "context"), .components = positive_count(o, "components")};
}

LatentInput latent_input_of(const ModelOptions& o) {
  const std::string z = option<std::string>(o, "z_input");
  if (z != "add" && z != "prefix") throw core::ValueError(fmt::format("unknown z_input '{}' (choose from add, prefix)", z));
  return z == "prefix" ? LatentInput::Prefix : LatentInput::Add;
}

void add_transformers(ModelRegistry& r) {
  ModelOptions lm = sequence_defaults();
  for (const auto& [k, v] : ModelOptions{{"heads", std::int64_t{4}}, {"layers", std::int64_t{2}}, {"feedforward", std::int64_t{512}},
                                         {"dropout", 0.0}, {"context", std::int64_t{64}}, {"components", std::int64_t{5}}})
    lm[k] = v;
  r.add({"transformer", "causal Transformer baseline without latent variables", {.sequence = true, .has_kl = false, .has_latent = false},
         lm, [](const ModelOptions& o, core::Generator& gen) {
           return BuiltModel{std::make_shared<TransformerLm>(causal_decoder_of(o), gen), optimizer_of(o)};
         }});
  ModelOptions vae = lm;
  vae["latent"] = std::int64_t{16};
  vae["kl_schedule"] = std::string();
  vae["z_input"] = std::string("add");
  r.add({"transformer-vae", "Transformer VAE: one code per sequence into a causal Transformer decoder", {.sequence = true}, vae,
         [](const ModelOptions& o, core::Generator& gen) {
           const TransformerVaeOptions t{.decoder = causal_decoder_of(o), .latent = positive_count(o, "latent"),
                                         .z_input = latent_input_of(o)};
           auto model = std::make_shared<TransformerVae>(t, gen);
           model->set_objective(elbo_loss_of(o));
           return BuiltModel{model, optimizer_of(o)};
         }});
}

}  // namespace

void register_builtin_models(ModelRegistry& r) {
  add_vae(r, "vae", VaeOptions::Arch::Mlp, "VAE, MLP 784-400-z (Kingma & Welling 2014)");
  add_vae(r, "conv-vae", VaeOptions::Arch::Conv, "VAE with convolutional encoder and decoder");

  // "classes": how many labels it conditions on (`xgrad train` sets it from the data's classes).
  ModelOptions cvae = with_shape(image_defaults(20));
  cvae["classes"] = std::int64_t{10};
  r.add({"cvae", "conditional VAE with a learned prior p(z | y) (Sohn et al. 2015)",
         {.image = true, .conditional = true}, cvae, [](const ModelOptions& o, core::Generator& gen) {
           const VaeOptions shape = vae_options_of(o);
           CvaeOptions c{.input = shape.input, .classes = positive_count(o, "classes"), .hidden = shape.hidden,
                         .latent = shape.latent, .objective = elbo_loss_of(o)};
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{with_training_bound(std::make_shared<Cvae>(c, gen), o), opt};
         }});

  ModelOptions beta = with_shape(image_defaults(20));
  beta.erase("iwae_k");  // beta weighs the KL of the ELBO
  beta["beta"] = 4.0;
  beta["capacity"] = 0.0;
  r.add({"beta-vae", "beta-VAE: beta-weighted KL or a capacity target (Higgins et al. 2017; Burgess et al. 2018)",
         kImage, beta, [](const ModelOptions& o, core::Generator& gen) {
           BetaVaeOptions b;
           b.vae = vae_options_of(o);
           b.beta = positive(o, "beta");
           b.schedule = schedule_of(o);
           const double capacity = option<double>(o, "capacity");
           if (capacity < 0) throw core::ValueError(fmt::format("capacity must be >= 0 (got {})", capacity));
           if (capacity > 0 && b.schedule) throw core::ValueError("capacity and kl_schedule cannot be combined");
           if (capacity > 0) b.capacity = true, b.c_max = capacity;
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{std::make_shared<BetaVae>(b, gen), opt};
         }});

  // The prior match is judged on an 8-d code (docs/results/models-experiments.md): in 20 dimensions even
  // exact N(0, I) draws of 10000 codes miss the identity by 0.2 (Frobenius).
  r.add({"aae", "adversarial autoencoder (Makhzani et al. 2015)",
         {.image = true, .has_elbo = false, .has_iwae = false, .has_kl = false, .prior_match = true},
         {{"latent", std::int64_t{8}}, {"lr", 1e-3}}, [](const ModelOptions& o, core::Generator& gen) {
           AaeOptions a;
           a.latent_dim = positive_count(o, "latent");
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{std::make_shared<Aae>(a, gen), opt};
         }});

  register_disentangling_models(r);
  add_autoencoders(r);

  ModelOptions vrnn = sequence_defaults();
  vrnn["latent"] = std::int64_t{16};
  vrnn["components"] = std::int64_t{5};
  vrnn["kl_schedule"] = std::string();
  r.add({"vrnn", "variational RNN (Chung et al. 2015)", {.sequence = true}, vrnn,
         [](const ModelOptions& o, core::Generator& gen) {
           VrnnOptions v{.likelihood = vrnn_likelihood_of(o), .cell = cell_of(o), .x_dim = 1, .classes = 256,
                         .hidden = positive_count(o, "hidden"), .latent = positive_count(o, "latent"),
                         .components = positive_count(o, "components")};
           const ElboLoss objective = elbo_loss_of(o);
           const nn::OptimizerOptions opt = optimizer_of(o);
           auto model = std::make_shared<Vrnn>(v, gen);
           model->set_objective(objective);
           return BuiltModel{model, opt};
         }});

  r.add({"rnn", "recurrent baseline without latent variables", {.sequence = true, .has_kl = false, .has_latent = false},
         sequence_defaults(), [](const ModelOptions& o, core::Generator& gen) {
           const VrnnLikelihood lik = vrnn_likelihood_of(o);
           if (lik == VrnnLikelihood::Mixture) throw core::ValueError("model rnn supports likelihood gauss only");
           RnnLmOptions l{.likelihood = lik, .cell = cell_of(o), .x_dim = 1, .classes = 256,
                          .hidden = positive_count(o, "hidden")};
           const nn::OptimizerOptions opt = optimizer_of(o);
           return BuiltModel{std::make_shared<RnnLm>(l, gen), opt};
         }});
  add_vq_vae(r);
  add_hvae(r);
  add_transformers(r);
}

}  // namespace xgrad::models
