// Gradcheck cases of matrix products, convolutions and the fused stable ops.
#include "gradcheck_table.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace ag = xgrad::autograd;
using xgrad::core::Conv2dParams;
using xgrad::core::IndexTensor;
using xgrad::core::Shape;
using xgrad::core::Tensor;
using xgrad::test::GradCase;
using xgrad::test::InputSpec;
using xgrad::test::Vars;

namespace {

const Conv2dParams kStrided{{2, 1}, {1, 0}, {1, 2}};  // stride (2,1), padding (1,0), dilation (1,2)

GradCase matmul_case(const char* label, Shape a, Shape b) {
  return {"matmul", label, {InputSpec{a}, InputSpec{b}}, [](const Vars& v) { return ag::matmul(v[0], v[1]); }};
}

const bool registered = xgrad::test::register_cases({
    GradCase{"matmul", "2-D (3,4)@(4,2)", {InputSpec{Shape{3, 4}}, InputSpec{Shape{4, 2}}},
             [](const Vars& v) { return ag::matmul(v[0], v[1]); }},
    GradCase{"matmul", "batched (2,3,4)@(2,4,2)", {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{2, 4, 2}}},
             [](const Vars& v) { return ag::matmul(v[0], v[1]); }},
    GradCase{"matmul", "(2,3,4)@(4,2) shares the matrix", {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{4, 2}}},
             [](const Vars& v) { return ag::matmul(v[0], v[1]); }},
    GradCase{"matmul", "non-contiguous input: a transposed operand",
             {InputSpec{Shape{4, 3}}, InputSpec{Shape{4, 2}}},
             [](const Vars& v) { return ag::matmul(ag::transpose(v[0]), v[1]); }},
    // torch.matmul's other forms: a broadcast operand's gradient is summed over the batch
    // entries it was broadcast to; a 1-D operand is a row (left) or a column (right).
    matmul_case("a matrix times a batch (3,4)@(2,4,5)", Shape{3, 4}, Shape{2, 4, 5}),
    matmul_case("a batch of one broadcasts (1,3,4)@(2,4,5)", Shape{1, 3, 4}, Shape{2, 4, 5}),
    matmul_case("a batch times a batch of one (2,3,4)@(1,4,2)", Shape{2, 3, 4}, Shape{1, 4, 2}),
    matmul_case("batch dims broadcast both ways (2,1,3,4)@(1,3,4,2)", Shape{2, 1, 3, 4}, Shape{1, 3, 4, 2}),
    matmul_case("ranks 3 and 4 broadcast (2,3,4)@(3,1,4,2)", Shape{2, 3, 4}, Shape{3, 1, 4, 2}),
    matmul_case("4-D same batch (2,2,3,4)@(2,2,4,3)", Shape{2, 2, 3, 4}, Shape{2, 2, 4, 3}),
    matmul_case("4-D times a matrix (2,2,3,4)@(4,2)", Shape{2, 2, 3, 4}, Shape{4, 2}),
    matmul_case("a matrix times 4-D (3,4)@(2,2,4,2)", Shape{3, 4}, Shape{2, 2, 4, 2}),
    matmul_case("vector @ matrix (4)@(4,3)", Shape{4}, Shape{4, 3}),
    matmul_case("matrix @ vector (3,4)@(4)", Shape{3, 4}, Shape{4}),
    matmul_case("vector @ vector (4)@(4) is a scalar", Shape{4}, Shape{4}),
    matmul_case("batch @ vector (2,3,4)@(4)", Shape{2, 3, 4}, Shape{4}),
    matmul_case("vector @ batch (4)@(2,4,3)", Shape{4}, Shape{2, 4, 3}),
    matmul_case("4-D @ vector (2,1,3,4)@(4)", Shape{2, 1, 3, 4}, Shape{4}),
    // Gradients added into existing ones (one operand on both sides, and fanned out).
    GradCase{"matmul", "the same matrix on both sides (3,3)@(3,3)", {InputSpec{Shape{3, 3}}},
             [](const Vars& v) { return ag::matmul(v[0], v[0]); }},
    GradCase{"matmul", "a matrix used by a batch product and a 2-D one",
             {InputSpec{Shape{3, 4}}, InputSpec{Shape{2, 4, 2}}, InputSpec{Shape{4, 2}}},
             [](const Vars& v) { return ag::add(ag::matmul(v[0], v[1]), ag::matmul(v[0], v[2])); }},
    GradCase{"matmul", "a vector used on both sides (4)@(4,4)@(4)", {InputSpec{Shape{4}}, InputSpec{Shape{4, 4}}},
             [](const Vars& v) { return ag::matmul(ag::matmul(v[0], v[1]), v[0]); }},
    GradCase{"linear", "with bias", {InputSpec{Shape{3, 4}}, InputSpec{Shape{2, 4}}, InputSpec{Shape{2}}},
             [](const Vars& v) { return ag::linear(v[0], v[1], v[2]); }},
    GradCase{"linear", "3-D input, no bias", {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{5, 4}}},
             [](const Vars& v) { return ag::linear(v[0], v[1]); }},
    // The backward adds into gradients that already exist (GEMM with beta = 1): one
    // weight and bias used twice, and an input that also feeds another op.
    GradCase{"linear", "weight and bias shared by two products, input fanned out",
             {InputSpec{Shape{3, 4}}, InputSpec{Shape{2, 4}}, InputSpec{Shape{2}}, InputSpec{Shape{3, 4}}},
             [](const Vars& v) {
               const auto a = ag::linear(ag::mul(v[0], v[3]), v[1], v[2]);
               return ag::add(ag::linear(v[3], v[1], v[2]), a);
             }},
    GradCase{"linear_relu", "with bias", {InputSpec{Shape{4, 3}}, InputSpec{Shape{5, 3}}, InputSpec{Shape{5}}},
             [](const Vars& v) { return ag::linear_relu(v[0], v[1], v[2]); }},
    GradCase{"linear_relu", "3-D input, no bias, weight shared with a plain linear",
             {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{5, 4}}},
             [](const Vars& v) { return ag::add(ag::linear_relu(v[0], v[1]), ag::linear(v[0], v[1])); }},
    // Weight (out, in + classes); labels repeat a class and leave one out (its column's
    // gradient is 0), and the shared weight sends a second gradient into every column.
    GradCase{"linear_one_hot", "with bias, a repeated and an unused class",
             {InputSpec{Shape{4, 3}}, InputSpec{Shape{5, 3 + 3}}, InputSpec{Shape{5}}},
             [](const Vars& v) { return ag::linear_one_hot(v[0], IndexTensor(Shape{4}, {2, 0, 2, 1}), v[1], v[2]); }},
    GradCase{"linear_one_hot", "3-D input, no bias, weight shared with a plain linear over the concatenation",
             {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{5, 4 + 2}}, InputSpec{Shape{2, 3, 2}}},
             [](const Vars& v) {
               const IndexTensor labels(Shape{2, 3}, {1, 0, 0, 1, 1, 0});
               return ag::add(ag::linear_one_hot(v[0], labels, v[1]), ag::linear(ag::concat<double>({v[0], v[2]}, -1), v[1]));
             }},
    GradCase{"linear_one_hot_relu", "with bias",
             {InputSpec{Shape{4, 3}}, InputSpec{Shape{5, 3 + 4}}, InputSpec{Shape{5}}},
             [](const Vars& v) { return ag::linear_one_hot_relu(v[0], IndexTensor(Shape{4}, {3, 3, 0, 1}), v[1], v[2]); }},
    // Inputs in [-3, 3] reach both of erf's branches (|h| / sqrt 2 below 0.65 and above 2.2).
    GradCase{"linear_gelu", "with bias", {InputSpec{Shape{4, 3}, -3, 3}, InputSpec{Shape{5, 3}, -1, 1}, InputSpec{Shape{5}}},
             [](const Vars& v) { return ag::linear_gelu(v[0], v[1], v[2]); }},
    GradCase{"linear_gelu", "3-D input, no bias, weight shared with a plain linear",
             {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{5, 4}}},
             [](const Vars& v) { return ag::add(ag::linear_gelu(v[0], v[1]), ag::linear(v[0], v[1])); }},
    GradCase{"linear_residual", "with bias",
             {InputSpec{Shape{4, 5}}, InputSpec{Shape{4, 3}}, InputSpec{Shape{5, 3}}, InputSpec{Shape{5}}},
             [](const Vars& v) { return ag::linear_residual(v[0], v[1], v[2], v[3]); }},
    GradCase{"linear_residual", "3-D, no bias, the residual also the input (x + x w^T)",
             {InputSpec{Shape{2, 3, 4}}, InputSpec{Shape{4, 4}}},
             [](const Vars& v) { return ag::linear_residual(v[0], v[0], v[1]); }},
    GradCase{"conv2d", "padding 1 with bias",
             {InputSpec{Shape{2, 2, 4, 4}}, InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{3}}},
             [](const Vars& v) { return ag::conv2d(v[0], v[1], v[2], Conv2dParams{{1, 1}, {1, 1}, {1, 1}}); }},
    GradCase{"conv2d", "stride, padding and dilation per axis, 2x3 kernel",
             {InputSpec{Shape{1, 2, 5, 7}}, InputSpec{Shape{2, 2, 2, 3}}},
             [](const Vars& v) { return ag::conv2d(v[0], v[1], {}, kStrided); }},
    GradCase{"conv_transpose2d", "stride 2, padding 1, output padding 1, bias",
             {InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{2}}},
             [](const Vars& v) {
               return ag::conv_transpose2d(v[0], v[1], v[2], Conv2dParams{{2, 2}, {1, 1}, {1, 1}}, {1, 1});
             }},
    GradCase{"residual_stack", "one block: x + conv1x1(relu(conv3x3(relu(x)))), both with bias",
             {InputSpec{Shape{2, 3, 4, 4}}, InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}},
              InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) { return ag::residual_block(v[0], v[1], v[2], v[3], v[4]); }},
    GradCase{"residual_stack", "two blocks and the relu after them",
             {InputSpec{Shape{2, 3, 4, 4}}, InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}},
              InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}, InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}},
              InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) {
               return ag::residual_stack(v[0], {v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]}, true);
             }},
    GradCase{"residual_stack", "a stem conv 2 -> 3, 3x3 / 2, before one block",
             {InputSpec{Shape{2, 2, 5, 5}}, InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{3}},
              InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}}, InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) {
               return ag::residual_stack(v[0], {v[3], v[4], v[5], v[6]}, false, {v[1], v[2]},
                                         Conv2dParams{{2, 2}, {1, 1}, {1, 1}});
             }},
    GradCase{"residual_stack", "a stem, one block and the relu, the output as rows (channels last)",
             {InputSpec{Shape{2, 2, 5, 5}}, InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{3}},
              InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}}, InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) {
               return ag::residual_stack(v[0], {v[3], v[4], v[5], v[6]}, true, {v[1], v[2]},
                                         Conv2dParams{{2, 2}, {1, 1}, {1, 1}}, true);
             }},
    GradCase{"residual_stack", "a stem reading rows (channels last), one block, the output as rows",
             {InputSpec{Shape{2, 5, 5, 2}}, InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{3}},
              InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}}, InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) {
               return ag::residual_stack(v[0], {v[3], v[4], v[5], v[6]}, false, {v[1], v[2]},
                                         Conv2dParams{{2, 2}, {1, 1}, {1, 1}}, true, true);
             }},
    GradCase{"residual_stack", "a head conv 1 -> 3, 3x3 / 2, and relu, a stem 3 -> 3, one block and the relu",
             {InputSpec{Shape{2, 1, 7, 7}}, InputSpec{Shape{3, 3, 3, 3}}, InputSpec{Shape{3}},
              InputSpec{Shape{3, 1, 3, 3}}, InputSpec{Shape{3}}, InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}},
              InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) {
               return ag::residual_stack(v[0], {v[5], v[6], v[7], v[8]}, true, {v[1], v[2]},
                                         Conv2dParams{{1, 1}, {1, 1}, {1, 1}}, false, false, {v[3], v[4]},
                                         Conv2dParams{{2, 2}, {1, 1}, {1, 1}});
             }},
    GradCase{"residual_stack", "a stem reading rows, one block, the relu, then a tail deconv 3 -> 2, 3x3 / 2, "
                               "output padding 1, and relu",
             {InputSpec{Shape{2, 5, 5, 2}}, InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{3}},
              InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{2}}, InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}},
              InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) {
               return ag::residual_stack(v[0], {v[5], v[6], v[7], v[8]}, true, {v[1], v[2]},
                                         Conv2dParams{{1, 1}, {1, 1}, {1, 1}}, false, true, {}, {}, {v[3], v[4]},
                                         Conv2dParams{{2, 2}, {1, 1}, {1, 1}}, {1, 1});
             }},
    GradCase{"residual_stack", "as above, then a last deconv 2 -> 1, 4x4 / 2, padding 1, without relu",
             {InputSpec{Shape{2, 5, 5, 2}}, InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{3}},
              InputSpec{Shape{3, 2, 3, 3}}, InputSpec{Shape{2}}, InputSpec{Shape{2, 1, 4, 4}}, InputSpec{Shape{1}},
              InputSpec{Shape{2, 3, 3, 3}}, InputSpec{Shape{2}}, InputSpec{Shape{3, 2, 1, 1}}, InputSpec{Shape{3}}},
             [](const Vars& v) {
               return ag::residual_stack(v[0], {v[7], v[8], v[9], v[10]}, true, {v[1], v[2]},
                                         Conv2dParams{{1, 1}, {1, 1}, {1, 1}}, false, true, {}, {}, {v[3], v[4]},
                                         Conv2dParams{{2, 2}, {1, 1}, {1, 1}}, {1, 1}, {v[5], v[6]},
                                         Conv2dParams{{2, 2}, {1, 1}, {1, 1}});
             }},
    GradCase{"log_softmax", "axis -1", {InputSpec{Shape{3, 5}, -3, 3}},
             [](const Vars& v) { return ag::log_softmax(v[0], -1); }},
    GradCase{"log_softmax", "axis 0", {InputSpec{Shape{3, 5}, -3, 3}},
             [](const Vars& v) { return ag::log_softmax(v[0], 0); }},
    GradCase{"softmax", "axis 1 of (2,4,3)", {InputSpec{Shape{2, 4, 3}, -3, 3}},
             [](const Vars& v) { return ag::softmax(v[0], 1); }},
    GradCase{"bce_with_logits", "soft targets", {InputSpec{Shape{3, 4}, -5, 5}},
             [](const Vars& v) {
               Tensor<double> t(Shape{3, 4}, {0, 1, 0.5, 0.2, 1, 0, 0.9, 0.1, 0.3, 0.7, 1, 0});
               return ag::bce_with_logits(v[0], t);
             }},
    GradCase{"cross_entropy", "4 rows, 5 classes", {InputSpec{Shape{4, 5}, -3, 3}},
             [](const Vars& v) { return ag::cross_entropy(v[0], IndexTensor(Shape{4}, {0, 4, 2, 2})); }},
    GradCase{"cross_entropy", "a sequence's (2, 3, 5) logits, labels (2, 3)", {InputSpec{Shape{2, 3, 5}, -3, 3}},
             [](const Vars& v) { return ag::cross_entropy(v[0], IndexTensor(Shape{2, 3}, {0, 4, 2, 2, 1, 3})); }},
    GradCase{"gaussian_log_prob", "x (2,3), mu (3), logvar (2,1) broadcast",
             {InputSpec{Shape{2, 3}}, InputSpec{Shape{3}}, InputSpec{Shape{2, 1}, -1, 1}},
             [](const Vars& v) { return ag::gaussian_log_prob(v[0], v[1], v[2]); }},
    GradCase{"kl_diag_gaussians", "q (2,3) against p (3) broadcast",
             {InputSpec{Shape{2, 3}}, InputSpec{Shape{2, 3}, -1, 1}, InputSpec{Shape{3}}, InputSpec{Shape{3}, -1, 1}},
             [](const Vars& v) { return ag::kl_diag_gaussians(v[0], v[1], v[2], v[3]); }},
    GradCase{"kl_std_normal", "(4, 3)", {InputSpec{Shape{4, 3}}, InputSpec{Shape{4, 3}, -1, 1}},
             [](const Vars& v) { return ag::kl_std_normal(v[0], v[1]); }},
    // One side at a time: the other side's term has no gradient to it (the stop-gradient).
    GradCase{"vq_distance_loss", "(5, 3), commitment 0.25 to a", {InputSpec{Shape{5, 3}},
             InputSpec{Shape{5, 3}, -2, 2, 0.0, false}},
             [](const Vars& v) { return ag::vq_distance_loss(v[0], v[1], 0.25, 0.0); }},
    GradCase{"vq_distance_loss", "(5, 3), codebook 1 to b", {InputSpec{Shape{5, 3}, -2, 2, 0.0, false},
             InputSpec{Shape{5, 3}}},
             [](const Vars& v) { return ag::vq_distance_loss(v[0], v[1], 0.0, 1.0); }},
    GradCase{"dropout", "p = 0.3 with a fixed generator", {InputSpec{Shape{4, 5}}},
             [](const Vars& v) {
               xgrad::core::Generator gen(7);  // the same mask in every evaluation
               return ag::dropout(v[0], 0.3, true, gen);
             }},
    GradCase{"hashed_dropout", "p = 0.3 with a fixed generator, (7, 5): an odd count", {InputSpec{Shape{7, 5}}},
             [](const Vars& v) {
               xgrad::core::Generator gen(7);
               return ag::hashed_dropout(v[0], 0.3, gen);
             }},
});

}  // namespace
