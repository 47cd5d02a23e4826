#pragma once
// How well a score ranks positives (anomalies) above negatives: the area under the ROC
// curve and the average precision (area under the precision-recall curve), the figures
// anomaly detection is judged by. Higher scores mean "more likely positive".
#include <vector>

namespace xgrad::models {

/// P(score of a random positive > score of a random negative), ties counted one half
/// (the Mann-Whitney U statistic over n_pos * n_neg). ValueError without both classes.
double auroc(const std::vector<double>& scores, const std::vector<bool>& positive);
/// Average precision, sum over thresholds of (R_n - R_{n-1}) P_n with tied scores one
/// threshold (as scikit-learn's average_precision_score). ValueError without a positive.
double auprc(const std::vector<double>& scores, const std::vector<bool>& positive);

}  // namespace xgrad::models
