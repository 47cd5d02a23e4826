#include "xgrad/models/rnn_lm.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/models/common/elbo.hpp"

namespace xgrad::models {

namespace ag = autograd;

RnnLm::RnnLm(const RnnLmOptions& o, std::shared_ptr<LikelihoodHead> out, core::Generator& gen) : options(o) {
  if (!out && o.likelihood == VrnnLikelihood::Mixture)
    throw core::ValueError("RnnLm: Gaussian or Categorical output only");
  const Index h = o.hidden;
  if (text())
    embed_ = register_module("phi_x1", nn::make<nn::Embedding>(nn::EmbeddingOptions{.num = o.classes, .dim = h}, gen));
  else
    phi_x1_ = register_module("phi_x1", nn::make<nn::Linear>(o.x_dim, h, gen));
  phi_x2_ = register_module("phi_x2", nn::make<nn::Linear>(h, h, gen));
  dec_ = register_module("dec", nn::make<nn::Linear>(h, h, gen));
  if (!out) out = sequence_head(o.likelihood, h, o.x_dim, o.classes, 0, gen);
  out_ = register_module("out", std::move(out));
  cell_ = Recurrence(o.cell, {.in = h, .hidden = h}, gen);
  register_module("rnn", cell_.module());
}

std::string RnnLm::describe() const {
  return fmt::format("RnnLm({}, {}, h={})", text() ? "text" : "series", cell_.name(), options.hidden);
}

Var RnnLm::nll(const SequenceInput& in) const {
  RecurrentState s = cell_.zeros(in.rows);
  std::vector<Var> h_prev;
  h_prev.reserve(in.steps);
  for (Index t = 0; t < in.steps; ++t) {
    h_prev.push_back(s.h);
    const Var first = text() ? embed_->forward(in.ids_at(t)) : phi_x1_->forward(Var(in.x_at(t)));
    const Var fx = ag::relu(phi_x2_->forward(ag::relu(first)));
    s = keep_rows(in.mask_at(t), cell_.step(fx, s), s);  // padding keeps the state
  }
  // The output side does not feed the recurrence: one batched pass, (B, L, ...).
  const Var dec = ag::relu(dec_->forward(ag::stack(h_prev, 1)));
  const Var target(in.target);
  Var lp = out_->distribution(dec)->log_prob(target);
  if (lp.dim() > 2) lp = ag::sum(lp, {2});
  if (in.mask.defined()) lp = ag::mul(lp, Var(in.mask));
  return ag::neg(ag::sum(lp, {1}));
}

StepStats RnnLm::train_step(const Batch& batch, nn::StepContext& ctx) {
  const SequenceInput in = SequenceInput::from_batch(batch, options);
  const double loss = ctx.minimize(ag::mean(nll(in)));
  return {.loss = loss, .recon = loss, .kl = 0, .extra = {}};
}

EvalSums RnnLm::evaluate(const Batch& batch, core::Generator&) {
  ag::NoGradGuard no_grad;
  const SequenceInput in = SequenceInput::from_batch(batch, options);
  const double s = ag::sum(nll(in)).item();
  return {.neg_elbo = s, .recon = s, .kl = 0, .count = in.rows};
}

Tensor RnnLm::iwae_log_likelihood(const Batch& batch, int, core::Generator&) {
  ag::NoGradGuard no_grad;
  Tensor ll = nll(SequenceInput::from_batch(batch, options)).value();
  for (auto& v : ll) v = -v;
  return ll;
}

namespace {
[[noreturn]] void no_latent(const char* what) {
  throw core::Error(fmt::format("rnn: {} needs a latent code, and the recurrent baseline has none (use a vrnn)", what));
}
}  // namespace

Tensor RnnLm::encode(const Batch&) { no_latent("encode"); }
Tensor RnnLm::decode(const Tensor&, const IndexTensor&) { no_latent("decode"); }
Tensor RnnLm::sample(Index, core::Generator&, const IndexTensor&) { no_latent("sample"); }

}  // namespace xgrad::models
