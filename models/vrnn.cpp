#include "xgrad/models/vrnn.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/models/common/iwae.hpp"

namespace xgrad::models {

namespace ag = autograd;

namespace {

/// [a, b] along the features (the last axis): the one concatenation per network input.
Var cat(const Var& a, const Var& b) { return ag::concat(std::vector<Var>{a, b}, -1); }

}  // namespace

Vrnn::Vrnn(const VrnnOptions& o, std::shared_ptr<LikelihoodHead> out, core::Generator& gen) : options(o) {
  if (o.hidden < 1 || o.latent < 1) throw core::ValueError("Vrnn: hidden and latent must be >= 1");
  const Index h = o.hidden, z = o.latent;
  if (text())
    embed_ = register_module("phi_x1", nn::make<nn::Embedding>(nn::EmbeddingOptions{.num = o.classes, .dim = h}, gen));
  else
    phi_x1_ = register_module("phi_x1", nn::make<nn::Linear>(o.x_dim, h, gen));
  phi_x2_ = register_module("phi_x2", nn::make<nn::Linear>(h, h, gen));
  phi_z_ = register_module("phi_z", nn::make<nn::Linear>(z, h, gen));
  prior_ = register_module("prior", nn::make<nn::Linear>(h, h, gen));
  prior_head_ = register_module("prior_head", nn::make<GaussianHead>(GaussianHeadOptions{.in = h, .out = z}, gen));
  enc1_ = register_module("enc1", nn::make<nn::Linear>(2 * h, h, gen));
  enc2_ = register_module("enc2", nn::make<nn::Linear>(h, h, gen));
  enc_head_ = register_module("enc_head", nn::make<GaussianHead>(GaussianHeadOptions{.in = h, .out = z}, gen));
  dec1_ = register_module("dec1", nn::make<nn::Linear>(2 * h, h, gen));
  dec2_ = register_module("dec2", nn::make<nn::Linear>(h, h, gen));
  if (!out) out = sequence_head(o.likelihood, h, o.x_dim, o.classes, o.components, gen);
  out_ = register_module("out", std::move(out));
  cell_ = Recurrence(o.cell, {.in = 2 * h, .hidden = h}, gen);
  register_module("rnn", cell_.module());
}

std::string Vrnn::describe() const {
  return fmt::format("Vrnn({}, {}, h={}, z={})", text() ? "text" : "series", cell_.name(), options.hidden,
                     options.latent);
}

Vrnn::Step Vrnn::step(const Var& fx, const RecurrentState& s, core::Generator* gen) const {
  nn::Normal<> q = enc_head_->forward(enc2_->forward_relu(enc1_->forward_relu(cat(fx, s.h))));
  Var z = gen ? q.rsample(*gen) : q.loc();
  Var fz = phi_z_->forward_relu(z);
  RecurrentState next = recur(fx, fz, s);
  return {std::move(q), std::move(z), std::move(fz), std::move(next)};
}

RecurrentState Vrnn::recur(const Var& fx, const Var& fz, const RecurrentState& s) const { return cell_.step(cat(fx, fz), s); }

nn::Normal<> Vrnn::prior(const Var& h) const { return prior_head_->forward(prior_->forward_relu(h)); }

Var Vrnn::decoder(const Var& fz, const Var& h) const { return dec2_->forward_relu(dec1_->forward_relu(cat(fz, h))); }

Var Vrnn::phi_x(const SequenceInput& in, Index t) const {
  Var first = text() ? ag::relu(embed_->forward(in.ids_at(t))) : phi_x1_->forward_relu(Var(in.x_at(t)));
  return phi_x2_->forward_relu(first);
}

std::vector<Var> Vrnn::phi_x_steps(const SequenceInput& in) const {
  // One (L * B)-row product per layer instead of L products of B rows: the time-major
  // layout makes step t the rows [t * B, (t + 1) * B), so the pieces are plain row ranges.
  const Index n = in.steps * in.rows;
  Var first = text() ? ag::relu(embed_->forward(in.ids.reshape({n})))
                     : phi_x1_->forward_relu(Var(in.x.reshape({n, options.x_dim})));
  return ag::split(phi_x2_->forward_relu(first), std::vector<Index>(static_cast<std::size_t>(in.steps), in.rows), 0);
}

VrnnTerms Vrnn::forward(const SequenceInput& in, const RecurrentState& init, core::Generator& gen, bool with_log_weight,
                        std::int64_t step_index) {
  RecurrentState s = cell_.start(in.rows, init);
  const std::vector<Var> fx = phi_x_steps(in);
  std::vector<Var> h_prev, q_mean, q_logvar, zs, fz;
  for (auto* v : {&h_prev, &q_mean, &q_logvar, &zs, &fz}) v->reserve(in.steps);
  for (Index t = 0; t < in.steps; ++t) {
    const Step st = step(fx[static_cast<std::size_t>(t)], s, &gen);
    h_prev.push_back(s.h), q_mean.push_back(st.q.loc()), q_logvar.push_back(st.q.logvar()), zs.push_back(st.z);
    fz.push_back(st.fz);
    s = keep_rows(in.mask_at(t), st.next, s);  // padding keeps the state, so it equals the unpadded row's
  }
  // What does not feed the recurrence (prior, decoder, head) runs once over the window,
  // batch-major (B, L, ...), so the ELBO's "sum every axis but the batch" sums over time
  // and latent dimensions.
  const Var h = ag::stack(h_prev, 1);
  const nn::Normal<> p = prior(h);
  const nn::Normal<> q(ag::stack(q_mean, 1), ag::stack(q_logvar, 1));
  const auto lik = out_->distribution(decoder(ag::stack(fz, 1), h));
  const Var target(in.target);
  VrnnTerms out{.elbo = masked_elbo(*lik, target, q, p, in.mask, objective_.at(step_index)),
                .log_weight = {}, .state = s, .real_steps = in.real_steps()};
  if (with_log_weight) out.log_weight = masked_log_weight(*lik, target, q, p, ag::stack(zs, 1), in.mask);
  return out;
}

StepStats Vrnn::train_window(const SequenceInput& in, RecurrentState& state, nn::StepContext& ctx) {
  train();
  VrnnTerms terms = forward(in, state, ctx.gen, false, ctx.step);
  ctx.minimize(terms.elbo.loss);
  state = terms.state.detached();
  return terms.elbo.step_stats();
}

StepStats Vrnn::train_step(const Batch& batch, nn::StepContext& ctx) {
  RecurrentState fresh;
  return train_window(SequenceInput::from_batch(batch, options), fresh, ctx);
}

EvalSums Vrnn::evaluate(const Batch& batch, core::Generator& gen) {
  ag::NoGradGuard no_grad;
  return forward(SequenceInput::from_batch(batch, options), {}, gen).elbo.eval_sums();
}

Index Vrnn::sequence_steps(const Batch& batch) const { return SequenceInput::from_batch(batch, options).real_steps(); }

Tensor Vrnn::iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) {
  if (k < 1) throw core::ValueError("Vrnn: iwae needs k >= 1");
  ag::NoGradGuard no_grad;
  const SequenceInput in = SequenceInput::from_batch(batch, options);
  const VrnnTerms t = forward(in.repeat_rows(k), {}, gen, true);
  return log_mean_exp(ag::reshape(t.log_weight, {in.rows, k})).value();  // a row's k copies are adjacent
}

}  // namespace xgrad::models
