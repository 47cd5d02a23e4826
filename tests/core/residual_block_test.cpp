#include "xgrad/core/residual_block.hpp"

#include <catch2/catch.hpp>

#include "kernel_check.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "converted.hpp"

using namespace xgrad::core;

namespace {

// x (n, c, 7, 7) and `blocks` blocks of k hidden channels, values in [-1, 1] (weights
// scaled down so that the hidden activations are neither all positive nor all zero).
template <class T>
struct Stack {
  Tensor<T> x;
  std::vector<std::array<Tensor<T>, 4>> params;  // w3, b3, w1, b1
  std::vector<ResidualWeights<T>> weights() const {
    std::vector<ResidualWeights<T>> w;
    for (const auto& p : params) w.push_back({&p[0], &p[1], &p[2], &p[3]});
    return w;
  }
};

template <class T>
Stack<T> stack(Index n, Index c, Index k, int blocks, unsigned seed) {
  using xgrad::test::random_tensor;
  Stack<T> s{random_tensor<T>({n, c, 7, 7}, seed), {}};
  for (int b = 0; b < blocks; ++b, seed += 4)
    s.params.push_back({random_tensor<T>({k, c, 3, 3}, seed + 1, -0.1, 0.1), random_tensor<T>({k}, seed + 2, -0.1, 0.1),
                        random_tensor<T>({c, k, 1, 1}, seed + 3, -0.2, 0.2),
                        random_tensor<T>({c}, seed + 4, -0.1, 0.1)});
  return s;
}

template <class T>
Tensor<double> to_double(const Tensor<T>& t) {
  return xgrad::test::converted<double>(t);
}

Stack<double> to_double(const Stack<float>& s) {
  Stack<double> d{to_double(s.x), {}};
  for (const auto& p : s.params)
    d.params.push_back({to_double(p[0]), to_double(p[1]), to_double(p[2]), to_double(p[3])});
  return d;
}

template <class T>
struct Run {
  Tensor<T> y;
  ResidualStackGrads<T> g;
};

template <class T>
Run<T> run(const Stack<T>& s, const Tensor<T>& gy, bool relu_after) {
  const auto out = residual_stack(s.x, s.weights(), relu_after);
  return {out.y, residual_stack_backward(gy, s.x, s.weights(), relu_after, out)};
}

struct Threads {  // restores the default thread count when a test ends
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(0); }
};

}  // namespace

TEST_CASE("float residual_stack runs on oneDNN when its channels are multiples of 16", "[residual_block]") {
  const auto s = stack<float>(3, 64, 32, 2, 1);
  CHECK(residual_stack(s.x, s.weights(), true).blocked);
  const auto odd = stack<float>(3, 5, 3, 1, 1);
  CHECK_FALSE(residual_stack(odd.x, odd.weights(), false).blocked);
  const auto d = stack<double>(3, 64, 32, 1, 1);
  CHECK_FALSE(residual_stack(d.x, d.weights(), false).blocked);
}

TEST_CASE("double residual_stack is conv2d and relu composed, bit for bit", "[residual_block]") {
  const auto s = stack<double>(2, 4, 3, 2, 7);
  const Conv2dParams pad1{{1, 1}, {1, 1}, {1, 1}};
  Tensor<double> want = s.x;
  for (const auto& p : s.params) want = add(want, conv2d(relu(conv2d(relu(want), p[0], p[1], pad1)), p[2], p[3], {}));
  CHECK(equal(residual_stack(s.x, s.weights(), false).y, want));
  CHECK(equal(residual_stack(s.x, s.weights(), true).y, relu(want)));
}

TEST_CASE("float residual_stack and its gradients match the double path", "[residual_block]") {
  // 19 and 40 images: chunks of unequal size; 5 channels: float's composed path.
  for (auto [n, c, k, blocks] : {std::array<Index, 4>{19, 64, 32, 2}, {40, 32, 16, 1}, {3, 5, 3, 2}})
    for (bool relu_after : {false, true}) {
      INFO(n << " images, " << c << " channels, " << k << " hidden, " << blocks << " blocks, relu " << relu_after);
      const auto s = stack<float>(n, c, k, static_cast<int>(blocks), 11);
      const auto gy = xgrad::test::random_tensor<float>(s.x.shape(), 17);
      const auto got = run(s, gy, relu_after);
      const auto want = run(to_double(s), to_double(gy), relu_after);
      xgrad::test::check_close(to_double(got.y), want.y, 1e-4, 1e-4);
      xgrad::test::check_close(to_double(got.g.x), want.g.x, 1e-4, 1e-4);
      for (std::size_t b = 0; b < got.g.blocks.size(); ++b)
        for (int i = 0; i < 4; ++i) {
          INFO("block " << b << ", gradient " << i << " (w3, b3, w1, b1)");
          xgrad::test::check_close(to_double(got.g.blocks[b][i]), want.g.blocks[b][i], 1e-4, 1e-4);
        }
    }
}

TEST_CASE("float residual_stack and its gradients give identical bits on 1 and 2 threads", "[residual_block]") {
  const auto s = stack<float>(40, 64, 32, 2, 23);
  const auto gy = xgrad::test::random_tensor<float>(s.x.shape(), 29);
  Run<float> r[2];
  for (int i : {0, 1}) {
    Threads threads(i + 1);
    r[i] = run(s, gy, true);
  }
  CHECK(equal(r[0].y, r[1].y));
  CHECK(equal(r[0].g.x, r[1].g.x));
  for (std::size_t b = 0; b < 2; ++b)
    for (int i = 0; i < 4; ++i) CHECK(equal(r[0].g.blocks[b][i], r[1].g.blocks[b][i]));
}

TEST_CASE("residual_stack names weights that do not fit", "[residual_block]") {
  const auto s = stack<float>(2, 4, 3, 1, 31);
  const std::vector<ResidualWeights<float>> bad{{&s.params[0][2], &s.params[0][1], &s.params[0][2], &s.params[0][3]}};
  CHECK_THROWS_WITH(residual_stack(s.x, bad, false), Catch::Contains("w3 (K, C, 3, 3)"));
}

namespace {

// A stem conv (c_in -> c, k x k / stride, padding) before `blocks` blocks: x is its input.
struct StemCase {
  Index n, c_in, side, kernel, stride, pad;
};

template <class T>
struct StemStack {
  Stack<T> s;
  Tensor<T> w, b;
  Conv2dParams p;
  ResidualStem<T> stem() const { return {&w, &b, p}; }
};

template <class T>
StemStack<T> stem_stack(const StemCase& t, unsigned seed) {
  using xgrad::test::random_tensor;
  StemStack<T> r{stack<T>(t.n, 64, 32, 2, seed),
                 random_tensor<T>({64, t.c_in, t.kernel, t.kernel}, seed + 50, -0.1, 0.1),
                 random_tensor<T>({64}, seed + 51, -0.1, 0.1),
                 Conv2dParams{{t.stride, t.stride}, {t.pad, t.pad}, {1, 1}}};
  r.s.x = random_tensor<T>({t.n, t.c_in, t.side, t.side}, seed + 52);
  return r;
}

StemStack<double> to_double(const StemStack<float>& f) {
  return {to_double(f.s), to_double(f.w), to_double(f.b), f.p};
}

template <class T>
std::pair<Run<T>, std::array<Tensor<T>, 2>> run_stem(const StemStack<T>& t, const Tensor<T>& gy,
                                                      bool* fused = nullptr) {
  const auto out = residual_stack(t.s.x, t.s.weights(), true, t.stem());
  if (fused) *fused = out.stem_fused;
  auto g = residual_stack_backward(gy, t.s.x, t.s.weights(), true, out, t.stem());
  auto stem = g.stem;
  return {Run<T>{out.y, std::move(g)}, std::move(stem)};
}

// The encoder's stem (32 -> 64, 4x4 / 2 from 14x14), the decoder's (64 -> 64, 3x3), and one
// whose 5 input channels oneDNN's blocked path does not take (conv2d runs it, apart).
const StemCase kStems[] = {{19, 32, 14, 4, 2, 1}, {19, 64, 7, 3, 1, 1}, {3, 5, 7, 3, 1, 1}};

}  // namespace

TEST_CASE("float residual_stack with a stem conv matches the double path", "[residual_block]") {
  for (const StemCase& t : kStems) {
    INFO("stem input " << t.c_in << " channels, " << t.side << "x" << t.side << ", kernel " << t.kernel);
    const auto f = stem_stack<float>(t, 41);
    const auto gy = xgrad::test::random_tensor<float>({t.n, 64, 7, 7}, 43);
    bool fused = false;
    const auto [got, got_stem] = run_stem(f, gy, &fused);
    CHECK(fused == (t.c_in % 16 == 0));
    const auto [want, want_stem] = run_stem(to_double(f), to_double(gy));
    xgrad::test::check_close(to_double(got.y), want.y, 1e-4, 1e-4);
    xgrad::test::check_close(to_double(got.g.x), want.g.x, 1e-4, 1e-4);
    for (int i = 0; i < 2; ++i) xgrad::test::check_close(to_double(got_stem[i]), want_stem[i], 1e-4, 1e-4);
    for (std::size_t b = 0; b < 2; ++b)
      for (int i = 0; i < 4; ++i)
        xgrad::test::check_close(to_double(got.g.blocks[b][i]), want.g.blocks[b][i], 1e-4, 1e-4);
  }
}

TEST_CASE("double residual_stack with a stem is conv2d then the blocks, bit for bit", "[residual_block]") {
  const auto t = stem_stack<double>(kStems[0], 47);
  const auto out = residual_stack(t.s.x, t.s.weights(), true, t.stem());
  const auto plain = residual_stack(conv2d(t.s.x, t.w, t.b, t.p), t.s.weights(), true);
  CHECK(equal(out.y, plain.y));
}

TEST_CASE("float residual_stack with a stem gives identical bits on 1 and 2 threads", "[residual_block]") {
  const auto t = stem_stack<float>({40, 32, 14, 4, 2, 1}, 53);
  const auto gy = xgrad::test::random_tensor<float>({40, 64, 7, 7}, 59);
  std::pair<Run<float>, std::array<Tensor<float>, 2>> r[2];
  for (int i : {0, 1}) {
    Threads threads(i + 1);
    r[i] = run_stem(t, gy);
  }
  CHECK(equal(r[0].first.y, r[1].first.y));
  CHECK(equal(r[0].first.g.x, r[1].first.g.x));
  CHECK(equal(r[0].second[0], r[1].second[0]));
  CHECK(equal(r[0].second[1], r[1].second[1]));
  for (std::size_t b = 0; b < 2; ++b)
    for (int i = 0; i < 4; ++i) CHECK(equal(r[0].first.g.blocks[b][i], r[1].first.g.blocks[b][i]));
}

namespace {

// residual_stack with channels_last against the NCHW stack, whose y and gy it permutes.
template <class T>
void check_rows(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& w, const ResidualStem<T>& stem) {
  const auto out = residual_stack(x, w, true, stem);
  const auto rows = residual_stack(x, w, true, stem, true);
  CHECK(rows.channels_last);
  CHECK(rows.blocked == out.blocked);
  CHECK(equal(rows.y, permute(out.y, {0, 2, 3, 1})));
  const auto gy = xgrad::test::random_tensor<T>(out.y.shape(), 61);
  const auto g = residual_stack_backward(gy, x, w, true, out, stem);
  const auto gr = residual_stack_backward(permute(gy, {0, 2, 3, 1}), x, w, true, rows, stem);
  CHECK(equal(g.x, gr.x));
  if (stem.defined())
    for (int i = 0; i < 2; ++i) CHECK(equal(g.stem[i], gr.stem[i]));
  for (std::size_t b = 0; b < w.size(); ++b)
    for (int i = 0; i < 4; ++i) CHECK(equal(g.blocks[b][i], gr.blocks[b][i]));
}

}  // namespace

TEST_CASE("residual_stack's channels_last output is the NCHW output permuted, gradients the same, bit for bit",
          "[residual_block]") {
  for (const StemCase& t : kStems) {  // fused, fused, and conv2d apart (composed)
    INFO("stem input " << t.c_in << " channels");
    const auto f = stem_stack<float>(t, 67);
    check_rows(f.s.x, f.s.weights(), f.stem());
    const auto d = to_double(f);
    check_rows(d.s.x, d.s.weights(), d.stem());
  }
  const auto s = stack<float>(40, 64, 32, 2, 71);  // no stem; chunks of unequal size
  check_rows(s.x, s.weights(), {});
  const auto odd = stack<float>(3, 5, 3, 1, 73);  // float's composed path
  check_rows(odd.x, odd.weights(), {});
}

namespace {

// The stem reading x as rows (NHWC) against the stack on NCHW x; y in either layout.
template <class T>
void check_rows_in(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& w, const ResidualStem<T>& stem,
                   bool rows_out) {
  ResidualStem<T> rows = stem;
  rows.rows_in = true;
  const Tensor<T> xr = permute(x, {0, 2, 3, 1});
  const auto out = residual_stack(x, w, true, stem, rows_out);
  const auto got = residual_stack(xr, w, true, rows, rows_out);
  CHECK(got.stem_fused == out.stem_fused);
  CHECK(equal(got.y, out.y));
  const auto gy = xgrad::test::random_tensor<T>(out.y.shape(), 79);
  const auto g = residual_stack_backward(gy, x, w, true, out, stem);
  const auto gr = residual_stack_backward(gy, xr, w, true, got, rows);
  CHECK(equal(gr.x, permute(g.x, {0, 2, 3, 1})));
  for (int i = 0; i < 2; ++i) CHECK(equal(g.stem[i], gr.stem[i]));
  for (std::size_t b = 0; b < w.size(); ++b)
    for (int i = 0; i < 4; ++i) CHECK(equal(g.blocks[b][i], gr.blocks[b][i]));
}

}  // namespace

TEST_CASE("a stem reading rows (NHWC) gives the NCHW stack's values and gradients, bit for bit", "[residual_block]") {
  for (const StemCase& t : kStems)  // fused, fused, and conv2d apart (composed)
    for (bool rows_out : {false, true}) {
      INFO("stem input " << t.c_in << " channels, rows out " << rows_out);
      const auto f = stem_stack<float>(t, 83);
      check_rows_in(f.s.x, f.s.weights(), f.stem(), rows_out);
      const auto d = to_double(f);
      check_rows_in(d.s.x, d.s.weights(), d.stem(), rows_out);
    }
}
