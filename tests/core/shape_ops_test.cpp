#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "fixture.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape_ops.hpp"

using namespace xgrad::core;

namespace {

template <class T>
Tensor<T> iota(const Shape& s) {
  return Tensor<T>::arange(T(0), static_cast<T>(s.numel())).reshape(s);
}

template <class T>
std::vector<T> vals(std::initializer_list<T> v) {
  return v;
}

// Element-by-element permute through multi-indices: slow but obviously right.
template <class T>
Tensor<T> naive_permute(const Tensor<T>& x, const std::vector<int>& dims) {
  const Shape& xs = x.shape();
  Shape os;
  for (int d : dims) os.push_back(xs[d]);
  Tensor<T> out(os);
  const auto xst = contiguous_strides(xs);
  for (Index flat = 0; flat < out.numel(); ++flat) {
    Index rem = flat, src = 0;
    for (int i = os.rank() - 1; i >= 0; --i) {
      src += (rem % os[i]) * xst[static_cast<std::size_t>(dims[static_cast<std::size_t>(i)])];
      rem /= os[i];
    }
    out.data()[flat] = x.data()[src];
  }
  return out;
}

}  // namespace

TEST_CASE("reshape keeps the data and infers one dimension", "[shape_ops]") {
  auto x = iota<float>({2, 3});
  auto y = reshape(x, {3, -1});
  CHECK(y.shape() == Shape{3, 2});
  CHECK(y.to_vector() == x.to_vector());
  CHECK(x.shape() == Shape{2, 3});
  CHECK_THROWS_WITH(reshape(x, {4}), "reshape: cannot reshape (2, 3) into (4)");
}

TEMPLATE_TEST_CASE("transpose of a matrix swaps rows and columns", "[shape_ops]", float, double, Index) {
  auto y = transpose(iota<TestType>({2, 3}));
  CHECK(y.shape() == Shape{3, 2});
  CHECK(y.to_vector() == vals<TestType>({0, 3, 1, 4, 2, 5}));
}

TEMPLATE_TEST_CASE("permute moves axes to the given positions", "[shape_ops]", float, double, Index) {
  // out[c][a][b] = x[a][b][c] = 6a + 2b + c
  auto y = permute(iota<TestType>({2, 3, 2}), {2, 0, 1});
  CHECK(y.shape() == Shape{2, 2, 3});
  CHECK(y.to_vector() == vals<TestType>({0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}));
  CHECK(equal(permute(iota<TestType>({2, 3, 2}), {-1, 0, -2}), y));
}

TEMPLATE_TEST_CASE("permute matches PyTorch across tiles and batches", "[shape_ops]", float, double) {
  using xgrad::test::fixture;
  CHECK(equal(permute(iota<TestType>({3, 4, 5, 6}), {2, 0, 3, 1}), fixture<TestType>("shape_ops.json", "permute_3456_2031")));
  CHECK(equal(permute(iota<TestType>({2, 37, 3, 45}), {0, 3, 1, 2}),
              fixture<TestType>("shape_ops.json", "permute_2_37_3_45_0312")));
  CHECK(equal(permute(iota<TestType>({4, 5, 6, 7}), {1, 0, 2, 3}), fixture<TestType>("shape_ops.json", "permute_4567_1023")));
}

TEST_CASE("every permutation of a 4-d tensor with unit and odd sizes matches the element-wise reference",
          "[shape_ops]") {
  for (Shape s : {Shape{3, 1, 35, 33}, Shape{2, 33, 1, 34}, Shape{1, 1, 40, 1}}) {
    auto x = iota<Index>(s);
    std::vector<int> dims{0, 1, 2, 3};
    do {
      INFO("shape " << s.str() << " dims " << dims[0] << dims[1] << dims[2] << dims[3]);
      CHECK(equal(permute(x, dims), naive_permute(x, dims)));
    } while (std::next_permutation(dims.begin(), dims.end()));
  }
}

TEST_CASE("large permutes give the same result on one and two threads", "[shape_ops]") {
  const int before = num_threads();
  auto x = iota<float>({70, 33, 65});  // 150k elements: above the parallel threshold
  for (const std::vector<int>& dims : {std::vector<int>{2, 1, 0}, {1, 0, 2}, {0, 2, 1}}) {
    set_num_threads(1);
    auto one = permute(x, dims);
    set_num_threads(2);
    auto two = permute(x, dims);
    CHECK(equal(one, naive_permute(x, dims)));
    CHECK(equal(two, one));
  }
  set_num_threads(before);
}

TEST_CASE("permute handles empty and rank-0 tensors", "[shape_ops]") {
  auto e = permute(Tensor<float>::zeros({0, 3}), {1, 0});
  CHECK(e.shape() == Shape{3, 0});
  CHECK(permute(Tensor<double>::scalar(4.0), {}).item() == 4.0);
}

TEST_CASE("permute rejects wrong, repeated and out-of-range axes", "[shape_ops]") {
  auto x = iota<float>({2, 3});
  CHECK_THROWS_WITH(permute(iota<float>({2, 3, 4}), {0, 1}), "permute: 2 axes given for a tensor of shape (2, 3, 4)");
  CHECK_THROWS_WITH(permute(x, {0, -2}), "permute: axis -2 appears twice for a tensor of shape (2, 3)");
  CHECK_THROWS_WITH(permute(x, {0, 2}), "permute: axis 2 is out of range for a tensor of rank 2");
  CHECK_THROWS_AS(permute(x, {0, 0}), ValueError);
}

TEST_CASE("transpose swaps any two axes and defaults to the last two", "[shape_ops]") {
  auto x = iota<double>({2, 3, 4});
  CHECK(equal(transpose(x), permute(x, {0, 2, 1})));
  CHECK(equal(transpose(x, 0, 2), permute(x, {2, 1, 0})));
  CHECK(equal(transpose(x, 1, 1), x));
  CHECK_THROWS_WITH(transpose(iota<double>({3})), "transpose: axis -2 is out of range for a tensor of rank 1");
  CHECK_THROWS_AS(transpose(Tensor<double>::scalar(1.0), 0, 0), ValueError);
}

TEMPLATE_TEST_CASE("slice takes every step-th entry and clips stop", "[shape_ops]", float, double, Index) {
  auto x = iota<TestType>({2, 5});  // [[0 1 2 3 4] [5 6 7 8 9]]
  CHECK(slice(x, 1, 1, 5, 2).to_vector() == vals<TestType>({1, 3, 6, 8}));
  CHECK(slice(x, 1, 3, 100).to_vector() == vals<TestType>({3, 4, 8, 9}));
  CHECK(slice(x, -1, 0, 5, 3).to_vector() == vals<TestType>({0, 3, 5, 8}));
  CHECK(slice(x, 0, 1, 2).to_vector() == vals<TestType>({5, 6, 7, 8, 9}));
  CHECK(slice(iota<TestType>({5, 2}), 0, 0, 5, 3).to_vector() == vals<TestType>({0, 1, 6, 7}));
}

TEST_CASE("slice counts negative bounds from the back like Python", "[shape_ops]") {
  auto x = iota<float>({2, 5});
  CHECK(equal(slice(x, 1, -2, 5), slice(x, 1, 3, 5)));
  CHECK(slice(x, 1, 0, -1).shape() == Shape{2, 4});
  CHECK(equal(slice(x, 1, -100, 2), slice(x, 1, 0, 2)));
}

TEST_CASE("slice of an empty range has size 0 on the axis", "[shape_ops]") {
  auto x = iota<float>({2, 5});
  CHECK(slice(x, 1, 3, 3).shape() == Shape{2, 0});
  CHECK(slice(x, 1, 4, 2).shape() == Shape{2, 0});
  CHECK(slice(x, 1, 7, 9).shape() == Shape{2, 0});
}

TEST_CASE("slice rejects a non-positive step and a bad axis", "[shape_ops]") {
  auto x = iota<float>({2, 5});
  CHECK_THROWS_WITH(slice(x, 1, 0, 5, 0), "slice: step must be positive, got 0");
  CHECK_THROWS_WITH(slice(x, 2, 0, 1), "slice: axis 2 is out of range for a tensor of rank 2");
  CHECK_THROWS_WITH(slice(Tensor<float>::scalar(1.f), 0, 0, 1), "slice: axis 0 is out of range for a tensor of rank 0");
}

TEMPLATE_TEST_CASE("narrow takes length entries from start", "[shape_ops]", float, double, Index) {
  auto x = iota<TestType>({2, 5});
  CHECK(narrow(x, 1, 1, 3).to_vector() == vals<TestType>({1, 2, 3, 6, 7, 8}));
  CHECK(narrow(x, 1, -2, 2).to_vector() == vals<TestType>({3, 4, 8, 9}));
  CHECK(narrow(x, 0, 2, 0).shape() == Shape{0, 5});
  CHECK_THROWS_WITH(narrow(x, 1, 3, 3), "narrow: start 3 and length 3 do not fit axis 1 of shape (2, 5)");
  CHECK_THROWS_AS(narrow(x, 1, 0, -1), ValueError);
}

TEMPLATE_TEST_CASE("slice_add_ accumulates into the sliced entries", "[shape_ops]", float, double, Index) {
  auto dst = Tensor<TestType>::zeros({2, 5});
  Tensor<TestType> src({2, 2}, {1, 2, 3, 4});
  slice_add_(dst, 1, 1, 5, 2, src);
  slice_add_(dst, 1, 1, 5, 2, src);
  CHECK(dst.to_vector() == vals<TestType>({0, 2, 0, 4, 0, 0, 6, 0, 8, 0}));
  auto rows = Tensor<TestType>::ones({3, 2});
  slice_add_(rows, 0, -2, 3, 1, Tensor<TestType>::ones({2, 2}));
  CHECK(rows.to_vector() == vals<TestType>({1, 1, 2, 2, 2, 2}));
}

TEST_CASE("slice_add_ undoes the layout of slice", "[shape_ops]") {
  auto x = iota<double>({4, 7, 3});
  auto back = Tensor<double>::zeros({4, 7, 3});
  slice_add_(back, 1, 1, 7, 3, slice(x, 1, 1, 7, 3));
  CHECK(equal(slice(back, 1, 1, 7, 3), slice(x, 1, 1, 7, 3)));
  CHECK(equal(slice(back, 1, 0, 7, 3), Tensor<double>::zeros({4, 3, 3})));
}

TEST_CASE("slice_add_ names both shapes when src does not fit", "[shape_ops]") {
  auto dst = Tensor<float>::zeros({2, 5});
  CHECK_THROWS_WITH(slice_add_(dst, 1, 1, 5, 2, Tensor<float>::ones({2, 3})),
                    "slice_add_: src of shape (2, 3) does not fit 1:5:2 of axis 1 of dst of shape (2, 5) (needs (2, 2))");
  CHECK_THROWS_AS(slice_add_(dst, 1, 0, 5, -1, Tensor<float>::ones({2, 3})), ValueError);
}

TEMPLATE_TEST_CASE("concat joins along any axis", "[shape_ops]", float, double, Index) {
  Tensor<TestType> a({2, 2}, {1, 2, 3, 4}), b({2, 1}, {5, 6}), c({1, 2}, {7, 8});
  CHECK(concat<TestType>({a, b}, 1).to_vector() == vals<TestType>({1, 2, 5, 3, 4, 6}));
  CHECK(concat<TestType>({a, b, a}, -1).shape() == Shape{2, 5});
  auto rows = concat<TestType>({a, c}, 0);
  CHECK(rows.shape() == Shape{3, 2});
  CHECK(rows.to_vector() == vals<TestType>({1, 2, 3, 4, 7, 8}));
  CHECK(equal(concat<TestType>({a, Tensor<TestType>::zeros({2, 0})}, 1), a));
}

TEST_CASE("concat along a middle axis interleaves the blocks", "[shape_ops]") {
  auto a = iota<float>({2, 1, 2}), b = iota<float>({2, 2, 2});
  auto y = concat<float>({a, b}, 1);
  CHECK(y.shape() == Shape{2, 3, 2});
  CHECK(y.to_vector() == std::vector<float>{0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("concat names both shapes when they differ outside the axis", "[shape_ops]") {
  auto a = Tensor<float>::zeros({2, 2});
  CHECK_THROWS_WITH(concat<float>({a, Tensor<float>::zeros({3, 3})}, 1), "concat: shapes (2, 2) and (3, 3) differ outside axis 1");
  CHECK_THROWS_WITH(concat<float>({a, Tensor<float>::zeros({2, 2, 1})}, 0),
                    "concat: shapes (2, 2) and (2, 2, 1) differ outside axis 0");
  CHECK_THROWS_AS(concat<float>({a, Tensor<float>::zeros({3, 3})}, 1), ShapeError);
  CHECK_THROWS_WITH(concat<float>({}, 0), "concat: needs at least one tensor");
  CHECK_THROWS_WITH(concat<float>({a}, 2), "concat: axis 2 is out of range for a tensor of rank 2");
}

TEMPLATE_TEST_CASE("stack joins along a new axis", "[shape_ops]", float, double, Index) {
  Tensor<TestType> a({2, 2}, {1, 2, 3, 4}), b({2, 2}, {5, 6, 7, 8});
  auto s0 = stack<TestType>({a, b}, 0);
  CHECK(s0.shape() == Shape{2, 2, 2});
  CHECK(s0.to_vector() == vals<TestType>({1, 2, 3, 4, 5, 6, 7, 8}));
  CHECK(stack<TestType>({a, b}, 1).to_vector() == vals<TestType>({1, 2, 5, 6, 3, 4, 7, 8}));
  CHECK(stack<TestType>({a, b}, -1).to_vector() == vals<TestType>({1, 5, 2, 6, 3, 7, 4, 8}));
  auto s = stack<TestType>({Tensor<TestType>::scalar(1), Tensor<TestType>::scalar(2)}, 0);
  CHECK(s.shape() == Shape{2});
}

TEST_CASE("stack needs equal shapes", "[shape_ops]") {
  CHECK_THROWS_WITH(stack<double>({Tensor<double>::zeros({2, 2}), Tensor<double>::zeros({2, 3})}, 0),
                    "stack: shapes (2, 2) and (2, 3) differ");
  CHECK_THROWS_WITH(stack<double>({Tensor<double>::zeros({2})}, 2), "stack: axis 2 is out of range for a tensor of rank 2");
}

TEMPLATE_TEST_CASE("split by sizes cuts consecutive pieces", "[shape_ops]", float, double, Index) {
  auto parts = split(iota<TestType>({2, 5}), std::vector<Index>{2, 0, 3}, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].to_vector() == vals<TestType>({0, 1, 5, 6}));
  CHECK(parts[1].shape() == Shape{2, 0});
  CHECK(parts[2].to_vector() == vals<TestType>({2, 3, 4, 7, 8, 9}));
}

TEST_CASE("split by chunk leaves a shorter last piece", "[shape_ops]") {
  auto parts = split(iota<float>({5, 2}), Index(2), 0);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].shape() == Shape{2, 2});
  CHECK(parts[2].to_vector() == std::vector<float>{8, 9});
  CHECK(split(Tensor<float>::zeros({0, 3}), Index(2), 0).size() == 1);
}

TEST_CASE("concat undoes split", "[shape_ops]") {
  auto x = iota<double>({6, 50, 7});
  CHECK(equal(concat(split(x, Index(16), 1), 1), x));
  CHECK(equal(concat(split(x, std::vector<Index>{1, 4, 2}, -1), -1), x));
}

TEST_CASE("split rejects sizes that do not add up and bad chunks", "[shape_ops]") {
  auto x = iota<float>({2, 5});
  CHECK_THROWS_WITH(split(x, std::vector<Index>{2, 2}, 1), "split: sizes add up to 4, but axis 1 of shape (2, 5) has 5");
  CHECK_THROWS_WITH(split(x, Index(0), 1), "split: chunk size must be positive, got 0");
  CHECK_THROWS_AS(split(x, std::vector<Index>{6, -1}, 1), ValueError);
}

TEMPLATE_TEST_CASE("unsqueeze inserts a unit axis anywhere", "[shape_ops]", float, double, Index) {
  auto x = iota<TestType>({2, 3});
  CHECK(unsqueeze(x, 0).shape() == Shape{1, 2, 3});
  CHECK(unsqueeze(x, 1).shape() == Shape{2, 1, 3});
  CHECK(unsqueeze(x, 2).shape() == Shape{2, 3, 1});
  CHECK(unsqueeze(x, -1).shape() == Shape{2, 3, 1});
  CHECK(unsqueeze(x, -3).shape() == Shape{1, 2, 3});
  CHECK(unsqueeze(x, 1).to_vector() == x.to_vector());
  CHECK_THROWS_WITH(unsqueeze(x, 3), "unsqueeze: axis 3 is out of range for a tensor of rank 3");
}

TEST_CASE("squeeze removes a unit axis and refuses others", "[shape_ops]") {
  auto x = iota<float>({2, 1, 3});
  CHECK(squeeze(x, 1).shape() == Shape{2, 3});
  CHECK(squeeze(x, -2).to_vector() == x.to_vector());
  CHECK_THROWS_WITH(squeeze(x, 0), "squeeze: axis 0 of shape (2, 1, 3) has size 2, not 1");
  CHECK_THROWS_AS(squeeze(x, 3), ValueError);
}

TEST_CASE("flatten merges a range of axes", "[shape_ops]") {
  auto x = iota<double>({2, 3, 4});
  CHECK(flatten(x).shape() == Shape{24});
  CHECK(flatten(x, 1).shape() == Shape{2, 12});
  CHECK(flatten(x, 0, 1).shape() == Shape{6, 4});
  CHECK(flatten(x, 1, 1).shape() == Shape{2, 3, 4});
  CHECK(flatten(x, 1).to_vector() == x.to_vector());
  CHECK(flatten(Tensor<double>::scalar(2.0)).shape() == Shape{1});
  CHECK_THROWS_WITH(flatten(x, 2, 1), "flatten: start axis 2 comes after end axis 1 for shape (2, 3, 4)");
}
