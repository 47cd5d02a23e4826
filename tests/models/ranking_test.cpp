// AUROC and average precision against the values scikit-learn documents for its own examples.
#include "xgrad/models/evaluation/ranking.hpp"

#include <catch2/catch.hpp>

using namespace xgrad::models;

TEST_CASE("auroc and auprc of scikit-learn's documented example", "[ranking]") {
  // sklearn.metrics.roc_auc_score / average_precision_score docs:
  // y_true = [0, 0, 1, 1], y_scores = [0.1, 0.4, 0.35, 0.8] -> 0.75 and 0.8333...
  const std::vector<double> s{0.1, 0.4, 0.35, 0.8};
  const std::vector<bool> y{false, false, true, true};
  CHECK(auroc(s, y) == Approx(0.75).epsilon(1e-15));
  CHECK(auprc(s, y) == Approx(5.0 / 6.0).epsilon(1e-15));
}

TEST_CASE("a perfect ranking scores 1, a reversed one 0, ties one half", "[ranking]") {
  const std::vector<bool> y{true, true, false, false, false};
  CHECK(auroc({5, 4, 3, 2, 1}, y) == 1.0);
  CHECK(auprc({5, 4, 3, 2, 1}, y) == 1.0);
  CHECK(auroc({1, 2, 3, 4, 5}, y) == 0.0);
  CHECK(auroc({1, 1, 1, 1, 1}, y) == 0.5);
  CHECK(auprc({1, 1, 1, 1, 1}, y) == Approx(0.4));  // one threshold: precision = the positive rate
  // One positive tied with one negative, above the rest: 5 of 6 pairs won, 1 half.
  CHECK(auroc({3, 3, 1, 1, 0}, {true, false, true, false, false}) == Approx((2 + 0.5 + 1.5) / 6.0));
}

TEST_CASE("auroc and auprc refuse what has no answer", "[ranking]") {
  CHECK_THROWS_WITH(auroc({1, 2}, {true, true}), "auroc: needs both positives and negatives");
  CHECK_THROWS_WITH(auprc({1, 2}, {false, false}), "auprc: needs at least one positive");
  CHECK_THROWS_WITH(auroc({1, 2, 3}, {true, false}), "auroc: 3 scores for 2 labels");
  CHECK_THROWS_WITH(auroc({1, std::nan("")}, {true, false}), "auroc: a score is NaN");
}
