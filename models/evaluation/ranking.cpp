#include "xgrad/models/evaluation/ranking.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "xgrad/core/error.hpp"

namespace xgrad::models {

namespace {

/// Row indices by decreasing score; NaN scores are refused (they have no rank).
std::vector<std::size_t> by_decreasing_score(const std::vector<double>& scores, const std::vector<bool>& positive,
                                             const char* what) {
  if (scores.size() != positive.size())
    throw core::ValueError(fmt::format("{}: {} scores for {} labels", what, scores.size(), positive.size()));
  for (double s : scores)
    if (std::isnan(s)) throw core::ValueError(fmt::format("{}: a score is NaN", what));
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

double auroc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  const std::vector<std::size_t> order = by_decreasing_score(scores, positive, "auroc");
  const auto n_pos = static_cast<double>(std::count(positive.begin(), positive.end(), true));
  const double n_neg = static_cast<double>(positive.size()) - n_pos;
  if (n_pos == 0 || n_neg == 0) throw core::ValueError("auroc: needs both positives and negatives");
  // Walk groups of tied scores from the top: each positive beats the negatives below its
  // group and ties with the negatives inside it.
  double wins = 0, neg_above = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    double pos = 0, neg = 0;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j) (positive[order[j]] ? pos : neg) += 1;
    wins += pos * (n_neg - neg_above - neg) + 0.5 * pos * neg;
    neg_above += neg;
    i = j;
  }
  return wins / (n_pos * n_neg);
}

double auprc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  const std::vector<std::size_t> order = by_decreasing_score(scores, positive, "auprc");
  const auto n_pos = static_cast<double>(std::count(positive.begin(), positive.end(), true));
  if (n_pos == 0) throw core::ValueError("auprc: needs at least one positive");
  double ap = 0, tp = 0, seen = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    double pos = 0;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j) pos += positive[order[j]] ? 1 : 0;
    tp += pos, seen += static_cast<double>(j - i);
    ap += (pos / n_pos) * (tp / seen);  // recall step times the precision at this threshold
    i = j;
  }
  return ap;
}

}  // namespace xgrad::models
