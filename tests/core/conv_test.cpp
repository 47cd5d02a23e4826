#include "xgrad/core/conv.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <tuple>
#include <type_traits>

#include "fixture.hpp"
#include "kernel_check.hpp"
#include "xgrad/core/detail/conv_dnnl.hpp"
#include "xgrad/core/parallel.hpp"
#include "converted.hpp"
#include "thread_count.hpp"

using namespace xgrad::core;

namespace {

template <class T>
Tensor<T> fx(const std::string& name) {
  return xgrad::test::fixture<T>("core_conv.json", name);
}

template <class T>
bool close(const Tensor<T>& a, const Tensor<T>& b) {
  return std::is_same_v<T, float> ? allclose(a, b, 1e-4, 1e-4) : allclose(a, b, 1e-11, 1e-11);
}


double dot(const Tensor<double>& a, const Tensor<double>& b) {
  REQUIRE(a.shape() == b.shape());
  double s = 0;
  for (Index i = 0; i < a.numel(); ++i) s += a.data()[i] * b.data()[i];
  return s;
}

Conv2dParams params(Index sh, Index sw, Index ph, Index pw, Index dh, Index dw) {
  Conv2dParams p;
  p.stride = {sh, sw};
  p.padding = {ph, pw};
  p.dilation = {dh, dw};
  return p;
}

// The conv2d cases of tests/fixtures/core_conv.py, with their parameters.
struct Case {
  const char* name;
  bool bias;
  Conv2dParams p;
};
const Case kConvCases[] = {
    {"plain", true, params(1, 1, 0, 0, 1, 1)}, {"s2p1", true, params(2, 2, 1, 1, 1, 1)},
    {"dil2", false, params(1, 2, 2, 1, 2, 2)}, {"mixed", true, params(2, 1, 1, 2, 2, 1)},
    {"k1", true, params(1, 1, 0, 0, 1, 1)},
};

// Cross-correlation by the definition, in double.
Tensor<double> naive_conv2d(const Tensor<double>& x, const Tensor<double>& w, const Conv2dParams& p) {
  const auto [oh, ow] = conv2d_output_size(x.size(2), x.size(3), w.size(2), w.size(3), p);
  auto y = Tensor<double>::zeros({x.size(0), w.size(0), oh, ow});
  for (Index n = 0; n < x.size(0); ++n)
    for (Index o = 0; o < w.size(0); ++o)
      for (Index oy = 0; oy < oh; ++oy)
        for (Index ox = 0; ox < ow; ++ox) {
          double s = 0;
          for (Index c = 0; c < x.size(1); ++c)
            for (Index i = 0; i < w.size(2); ++i)
              for (Index j = 0; j < w.size(3); ++j) {
                const Index iy = oy * p.stride[0] - p.padding[0] + i * p.dilation[0];
                const Index ix = ox * p.stride[1] - p.padding[1] + j * p.dilation[1];
                if (iy >= 0 && iy < x.size(2) && ix >= 0 && ix < x.size(3))
                  s += x.at({n, c, iy, ix}) * w.at({o, c, i, j});
              }
          y.at({n, o, oy, ox}) = s;
        }
  return y;
}

}  // namespace

TEST_CASE("conv2d_output_size follows PyTorch's formula", "[conv]") {
  CHECK(conv2d_output_size(7, 6, 3, 2, params(2, 2, 1, 1, 1, 1)) == std::array<Index, 2>{4, 4});
  CHECK(conv2d_output_size(9, 8, 2, 3, params(1, 2, 2, 1, 2, 2)) == std::array<Index, 2>{11, 3});
  CHECK(conv2d_output_size(4, 4, 4, 4, {}) == std::array<Index, 2>{1, 1});
}

TEST_CASE("conv2d_output_size rejects a kernel larger than the padded input", "[conv]") {
  CHECK_THROWS_AS(conv2d_output_size(4, 4, 5, 5, {}), ShapeError);
  CHECK_THROWS_WITH(conv2d_output_size(4, 6, 3, 3, params(1, 1, 0, 0, 2, 2)),
                    "conv2d: kernel (3, 3) with dilation (2, 2) spans (5, 5), larger than the padded input (4, 6)");
  CHECK_NOTHROW(conv2d_output_size(4, 6, 3, 3, params(1, 1, 0, 0, 1, 2)));
}

TEST_CASE("conv2d rejects non-positive strides and dilations", "[conv]") {
  CHECK_THROWS_AS(conv2d_output_size(4, 4, 3, 3, params(0, 1, 0, 0, 1, 1)), ValueError);
  CHECK_THROWS_AS(conv2d_output_size(4, 4, 3, 3, params(1, 1, -1, 0, 1, 1)), ValueError);
  CHECK_THROWS_WITH(conv2d_output_size(4, 4, 3, 3, params(1, 1, 0, 0, 1, 0)),
                    "conv2d: stride (1, 1), dilation (1, 0) and kernel (3, 3) must be positive and padding (0, 0) not "
                    "negative");
}

TEMPLATE_TEST_CASE("conv2d matches PyTorch", "[conv]", float, double) {
  using T = TestType;
  for (const Case& c : kConvCases) {
    INFO("case " << c.name);
    const std::string n = std::string("conv_") + c.name;
    const Tensor<T> bias = c.bias ? fx<T>(n + "_b") : Tensor<T>();
    CHECK(close(conv2d(fx<T>(n + "_x"), fx<T>(n + "_w"), bias, c.p), fx<T>(n + "_y")));
  }
}

TEMPLATE_TEST_CASE("conv2d_backward_input matches torch.autograd's input gradient", "[conv]", float, double) {
  using T = TestType;
  for (const Case& c : kConvCases) {
    INFO("case " << c.name);
    const std::string n = std::string("conv_") + c.name;
    const auto x = fx<T>(n + "_x");
    CHECK(close(conv2d_backward_input(fx<T>(n + "_gy"), fx<T>(n + "_w"), x.shape(), c.p), fx<T>(n + "_gx")));
  }
}

TEMPLATE_TEST_CASE("conv2d_backward_weight matches torch.autograd's weight gradient", "[conv]", float, double) {
  using T = TestType;
  for (const Case& c : kConvCases) {
    INFO("case " << c.name);
    const std::string n = std::string("conv_") + c.name;
    const auto w = fx<T>(n + "_w");
    CHECK(close(conv2d_backward_weight(fx<T>(n + "_gy"), fx<T>(n + "_x"), w.shape(), c.p), fx<T>(n + "_gw")));
  }
}

TEMPLATE_TEST_CASE("conv_transpose2d matches PyTorch", "[conv]", float, double) {
  using T = TestType;
  const auto run = [](const std::string& n, bool bias, const Conv2dParams& p, std::array<Index, 2> op) {
    return conv_transpose2d(fx<T>(n + "_x"), fx<T>(n + "_w"), bias ? fx<T>(n + "_b") : Tensor<T>(), p, op);
  };
  CHECK(close(run("convt_s2p1op1", true, params(2, 2, 1, 1, 1, 1), {1, 1}), fx<T>("convt_s2p1op1_y")));
  CHECK(close(run("convt_mixed", false, params(2, 3, 0, 1, 2, 1), {1, 2}), fx<T>("convt_mixed_y")));
  CHECK(close(run("convt_k1op", true, params(1, 1, 0, 0, 2, 2), {1, 1}), fx<T>("convt_k1op_y")));
}

TEST_CASE("conv2d with images large enough for threaded BLAS matches the definition", "[conv]") {
  // 24 x 400 x 144 per image is above OpenBLAS's single-thread limit: images run one
  // after another and the unfolding is parallel over channels.
  const auto x = xgrad::test::random_tensor<double>({2, 16, 20, 20}, 1), w = xgrad::test::random_tensor<double>({24, 16, 3, 3}, 2);
  const auto p = params(1, 1, 1, 1, 1, 1);
  CHECK(allclose(conv2d(x, w, Tensor<double>(), p), naive_conv2d(x, w, p), 1e-12, 1e-12));
}

TEST_CASE("conv2d_backward_input is the adjoint of conv2d", "[conv]") {
  // <conv2d(x), y> == <x, backward_input(y)>, for small and large (BLAS-threaded) images.
  for (auto [xs, ws] :
       {std::pair{Shape{3, 3, 9, 8}, Shape{4, 3, 3, 2}}, std::pair{Shape{2, 16, 20, 20}, Shape{24, 16, 3, 3}}}) {
    const auto p = params(2, 1, 1, 2, 1, 2);
    const auto x = xgrad::test::random_tensor<double>(xs, 3), w = xgrad::test::random_tensor<double>(ws, 4);
    const auto cx = conv2d(x, w, Tensor<double>(), p);
    const auto y = xgrad::test::random_tensor<double>(cx.shape(), 5);
    CHECK(dot(cx, y) == Approx(dot(x, conv2d_backward_input(y, w, xs, p))).epsilon(1e-12));
  }
}

TEST_CASE("conv2d_backward_weight is the adjoint of conv2d in the weight", "[conv]") {
  // 9 images of 576 x 1024 columns exceed one group of the weight-gradient GEMM, so
  // this also checks that groups are summed.
  const auto p = params(1, 1, 1, 1, 1, 1);
  const auto x = xgrad::test::random_tensor<double>({9, 64, 32, 32}, 6), w = xgrad::test::random_tensor<double>({4, 64, 3, 3}, 7);
  const auto cx = conv2d(x, w, Tensor<double>(), p);
  const auto y = xgrad::test::random_tensor<double>(cx.shape(), 8);
  CHECK(dot(cx, y) == Approx(dot(w, conv2d_backward_weight(y, x, w.shape(), p))).epsilon(1e-12));
}

TEST_CASE("conv_transpose2d is the adjoint of conv2d", "[conv]") {
  const auto p = params(2, 3, 1, 0, 1, 2);
  const auto x = xgrad::test::random_tensor<double>({2, 3, 5, 4}, 9), w = xgrad::test::random_tensor<double>({3, 2, 3, 2}, 10);
  const auto tx = conv_transpose2d(x, w, Tensor<double>(), p);
  const auto y = xgrad::test::random_tensor<double>(tx.shape(), 11);
  CHECK(dot(tx, y) == Approx(dot(x, conv2d(y, w, Tensor<double>(), p))).epsilon(1e-12));
}

TEST_CASE("conv2d and its gradients give identical results on 1 and 2 threads", "[conv]") {
  // Small images run in parallel over the batch; large ones leave the threads to BLAS.
  for (auto [xs, ws] :
       {std::pair{Shape{8, 3, 10, 10}, Shape{4, 3, 3, 3}}, std::pair{Shape{4, 16, 20, 20}, Shape{24, 16, 3, 3}}}) {
    const auto p = params(1, 1, 1, 1, 1, 1);
    const auto x = xgrad::test::random_tensor<float>(xs, 12), w = xgrad::test::random_tensor<float>(ws, 13), b = xgrad::test::random_tensor<float>({ws[0]}, 14);
    Tensor<float> y[2], gx[2], gw[2];
    for (int t : {0, 1}) {
      xgrad::test::ThreadCount threads(t + 1);
      y[t] = conv2d(x, w, b, p);
      gx[t] = conv2d_backward_input(y[t], w, xs, p);
      gw[t] = conv2d_backward_weight(y[t], x, ws, p);
    }
    CHECK(equal(y[0], y[1]));
    CHECK(equal(gx[0], gx[1]));
    CHECK(equal(gw[0], gw[1]));
  }
}

TEST_CASE("conv2d names the shapes that do not fit", "[conv]") {
  const Tensor<float> x(Shape{2, 3, 8, 8}), w(Shape{4, 3, 3, 3}), none;
  CHECK_THROWS_WITH(conv2d(x, Tensor<float>(Shape{4, 2, 3, 3}), none, {}),
                    "conv2d: input (2, 3, 8, 8) has 3 channels but weight (4, 2, 3, 3) expects 2");
  CHECK_THROWS_WITH(
      conv2d(Tensor<float>(Shape{3, 8, 8}), w, none, {}),
      "conv2d: expects input (N, C, H, W) and weight (O, C, kh, kw), got shapes (3, 8, 8) and (4, 3, 3, 3)");
  CHECK_THROWS_WITH(conv2d(x, w, Tensor<float>(Shape{3}), {}),
                    "conv2d: bias (3) does not match weight (4, 3, 3, 3) (4 output channels)");
  CHECK_THROWS_WITH(conv2d(Tensor<float>(Shape{2, 3, 2, 8}), w, none, {}),
                    "conv2d: kernel (3, 3) with dilation (1, 1) spans (3, 3), larger than the padded input (2, 8)");
}

TEST_CASE("conv2d gradients reject an output gradient of the wrong shape", "[conv]") {
  const Tensor<double> gy(Shape{2, 4, 5, 5}), x(Shape{2, 3, 8, 8}), w(Shape{4, 3, 3, 3});
  CHECK_THROWS_WITH(conv2d_backward_input(gy, w, x.shape(), {}),
                    "conv2d_backward_input: gy (2, 4, 5, 5) does not match the output (2, 4, 6, 6) of input "
                    "(2, 3, 8, 8) and weight (4, 3, 3, 3)");
  CHECK_THROWS_WITH(conv2d_backward_weight(gy, x, w.shape(), {}),
                    "conv2d_backward_weight: gy (2, 4, 5, 5) does not match the output (2, 4, 6, 6) of input "
                    "(2, 3, 8, 8) and weight (4, 3, 3, 3)");
}

TEST_CASE("conv_transpose2d rejects bad channels and output padding", "[conv]") {
  const Tensor<float> x(Shape{1, 3, 4, 4}), w(Shape{3, 2, 3, 3}), none;
  CHECK_THROWS_WITH(conv_transpose2d(x, Tensor<float>(Shape{2, 3, 3, 3}), none, {}),
                    "conv_transpose2d: input (1, 3, 4, 4) has 3 channels but weight (2, 3, 3, 3) expects 2");
  CHECK_THROWS_AS(conv_transpose2d(x, w, none, params(2, 2, 1, 1, 1, 1), {2, 0}), ValueError);
  CHECK_THROWS_WITH(conv_transpose2d(x, w, none, params(2, 2, 1, 1, 1, 1), {2, 0}),
                    "conv_transpose2d: output_padding (2, 0) must not be negative and be smaller than stride (2, 2) "
                    "or dilation (1, 1)");
  CHECK_THROWS_WITH(conv_transpose2d(x, w, Tensor<float>(Shape{3}), {}),
                    "conv_transpose2d: bias (3) does not match weight (3, 2, 3, 3) (2 output channels)");
}

TEST_CASE("conv2d of an empty batch gives an empty output and a zero weight gradient", "[conv]") {
  const Tensor<float> x(Shape{0, 2, 5, 5}), w = xgrad::test::random_tensor<float>({3, 2, 3, 3}, 15);
  const auto y = conv2d(x, w, Tensor<float>(), {});
  CHECK(y.shape() == Shape{0, 3, 3, 3});
  CHECK(conv2d_backward_input(y, w, x.shape(), {}).shape() == x.shape());
  CHECK(conv2d_backward_weight(y, x, w.shape(), {}).to_vector() == std::vector<float>(54, 0.f));
}

// Float convolutions run on oneDNN's direct kernels (core/conv_dnnl.cpp), double ones on
// im2col + GEMM: the float results are checked against the double path on the same inputs.
namespace {

Tensor<double> to_double(const Tensor<float>& t) { return xgrad::test::converted<double>(t); }

// Sums of up to a few thousand products of numbers in [-1, 1], rounded to float.
void check_float(const Tensor<float>& got, const Tensor<double>& want) {
  xgrad::test::check_close(to_double(got), want, 1e-4, 1e-4);
}

struct Layer {
  Shape x, w;
  Conv2dParams p;
};
// The conv models' layer shapes (bench/core/conv_paths_bench.cpp) on 19 images, so the last
// chunk of images is shorter than the others, and shapes with every parameter mixed.
const Layer kFloatLayers[] = {
    {{19, 1, 28, 28}, {32, 1, 4, 4}, params(2, 2, 1, 1, 1, 1)},
    {{19, 32, 14, 14}, {64, 32, 4, 4}, params(2, 2, 1, 1, 1, 1)},
    {{19, 64, 7, 7}, {32, 64, 3, 3}, params(1, 1, 1, 1, 1, 1)},
    {{19, 32, 7, 7}, {64, 32, 1, 1}, params(1, 1, 0, 0, 1, 1)},
    {{5, 3, 9, 8}, {4, 3, 3, 2}, params(2, 1, 1, 2, 2, 1)},
    {{3, 2, 11, 10}, {5, 2, 2, 3}, params(1, 2, 2, 1, 2, 2)},
};

}  // namespace

TEST_CASE("float conv2d and its gradients match the double im2col path", "[conv]") {
  unsigned seed = 20;
  for (const Layer& l : kFloatLayers) {
    INFO("input " << l.x.str() << " weight " << l.w.str());
    const auto x = xgrad::test::random_tensor<float>(l.x, ++seed), w = xgrad::test::random_tensor<float>(l.w, ++seed);
    const auto b = xgrad::test::random_tensor<float>({l.w[0]}, ++seed);
    const auto y = conv2d(x, w, b, l.p);
    check_float(y, conv2d(to_double(x), to_double(w), to_double(b), l.p));
    const auto gy = xgrad::test::random_tensor<float>(y.shape(), ++seed);
    check_float(conv2d_backward_input(gy, w, l.x, l.p), conv2d_backward_input(to_double(gy), to_double(w), l.x, l.p));
    check_float(conv2d_backward_weight(gy, x, l.w, l.p),
                conv2d_backward_weight(to_double(gy), to_double(x), l.w, l.p));
  }
}

TEST_CASE("float conv_transpose2d matches the double im2col path", "[conv]") {
  // The decoders' 64 -> 32 at 7 -> 14, and output padding with a bias.
  for (auto [xs, ws, p, op] : {std::tuple{Shape{19, 64, 7, 7}, Shape{64, 32, 4, 4}, params(2, 2, 1, 1, 1, 1),
                                          std::array<Index, 2>{0, 0}},
                               std::tuple{Shape{3, 4, 5, 5}, Shape{4, 3, 3, 3}, params(2, 2, 1, 1, 1, 1),
                                          std::array<Index, 2>{1, 1}}}) {
    INFO("input " << xs.str() << " weight " << ws.str());
    const auto x = xgrad::test::random_tensor<float>(xs, 40), w = xgrad::test::random_tensor<float>(ws, 41);
    const auto b = xgrad::test::random_tensor<float>({ws[1]}, 42);
    check_float(conv_transpose2d(x, w, b, p, op), conv_transpose2d(to_double(x), to_double(w), to_double(b), p, op));
  }
}

TEST_CASE("oneDNN has kernels for the conv models' layer shapes", "[conv]") {
  // Otherwise the float path silently falls back to im2col and the tests above compare
  // im2col with itself.
  for (const Layer& l : kFloatLayers) {
    INFO("input " << l.x.str() << " weight " << l.w.str());
    const auto [oh, ow] = conv2d_output_size(l.x[2], l.x[3], l.w[2], l.w[3], l.p);
    const detail::ConvShape s{l.x[0], l.w[0],
                              {l.x[1], l.x[2], l.x[3], l.w[2], l.w[3], oh, ow, l.p.stride[0], l.p.stride[1],
                               l.p.padding[0], l.p.padding[1], l.p.dilation[0], l.p.dilation[1]}};
    Tensor<float> x(l.x), w(l.w), y(Shape{l.x[0], l.w[0], oh, ow});
    x.fill_(1.f);
    w.fill_(1.f);
    y.fill_(1.f);
    CHECK(detail::dnnl_conv2d(x.data(), w.data(), nullptr, y.data(), s));
    CHECK(detail::dnnl_conv2d_backward_input(y.data(), w.data(), x.data(), s));
    CHECK(detail::dnnl_conv2d_backward_weight(y.data(), x.data(), w.data(), s));
    CHECK(detail::dnnl_conv2d_backward(y.data(), x.data(), w.data(), x.data(), w.data(), s));
    CHECK(detail::dnnl_conv2d_and_weight_grad(x.data(), w.data(), y.data(), y.data(), w.data(), s));
  }
}

TEST_CASE("conv2d_backward and conv_transpose2d_backward give the bits of their gradients one by one", "[conv]") {
  // One pass over the images for both gradients reorders gy once; the kernels are the same.
  for (const Layer& l : kFloatLayers) {
    INFO("input " << l.x.str() << " weight " << l.w.str());
    const auto x = xgrad::test::random_tensor<float>(l.x, 60), w = xgrad::test::random_tensor<float>(l.w, 61);
    const auto gy = xgrad::test::random_tensor<float>(conv2d(x, w, Tensor<float>(), l.p).shape(), 62);
    const ConvGrads<float> g = conv2d_backward(gy, x, w, l.p, true, true);
    CHECK(equal(g.x, conv2d_backward_input(gy, w, l.x, l.p)));
    CHECK(equal(g.w, conv2d_backward_weight(gy, x, l.w, l.p)));
    // conv_transpose2d from gy's shape to x's: its output gradient has x's shape.
    const ConvGrads<float> t = conv_transpose2d_backward(x, gy, w, l.p, true, true);
    CHECK(equal(t.x, conv2d(x, w, Tensor<float>(), l.p)));
    CHECK(equal(t.w, conv2d_backward_weight(gy, x, l.w, l.p)));
    const ConvGrads<float> only_x = conv2d_backward(gy, x, w, l.p, true, false);
    CHECK((only_x.x.defined() && !only_x.w.defined()));
  }
}

TEST_CASE("float conv2d, its gradients and conv_transpose2d give identical bits on 1 and 2 threads", "[conv]") {
  for (const Layer& l : kFloatLayers) {
    INFO("input " << l.x.str() << " weight " << l.w.str());
    const auto x = xgrad::test::random_tensor<float>(l.x, 50), w = xgrad::test::random_tensor<float>(l.w, 51);
    const auto b = xgrad::test::random_tensor<float>({l.w[0]}, 52);
    Tensor<float> y[2], gx[2], gw[2], t[2];
    for (int i : {0, 1}) {
      xgrad::test::ThreadCount threads(i + 1);
      y[i] = conv2d(x, w, b, l.p);
      gx[i] = conv2d_backward_input(y[i], w, l.x, l.p);
      gw[i] = conv2d_backward_weight(y[i], x, l.w, l.p);
      t[i] = conv_transpose2d(y[i], w, Tensor<float>(), l.p);
    }
    CHECK(equal(y[0], y[1]));
    CHECK(equal(gx[0], gx[1]));
    CHECK(equal(gw[0], gw[1]));
    CHECK(equal(t[0], t[1]));
  }
}
