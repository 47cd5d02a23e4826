#include <catch2/catch.hpp>

#include <vector>

#include "fixture.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape_ops.hpp"

using namespace xgrad::core;
using xgrad::test::fixture;

namespace {

template <class T>
Tensor<T> iota(const Shape& s) {
  return Tensor<T>::arange(T(0), static_cast<T>(s.numel())).reshape(s);
}

template <class T>
std::vector<T> vals(std::initializer_list<T> v) {
  return v;
}

IndexTensor idx(std::initializer_list<Index> v) { return IndexTensor(Shape{static_cast<Index>(v.size())}, v); }

}  // namespace

TEMPLATE_TEST_CASE("index_select picks rows or columns, repeats allowed", "[shape_ops][index]", float, double, Index) {
  auto x = iota<TestType>({3, 2});  // [[0 1] [2 3] [4 5]]
  auto rows = index_select(x, 0, idx({2, 0, 2}));
  CHECK(rows.shape() == Shape{3, 2});
  CHECK(rows.to_vector() == vals<TestType>({4, 5, 0, 1, 4, 5}));
  auto cols = index_select(x, -1, idx({1, 1, 0}));
  CHECK(cols.shape() == Shape{3, 3});
  CHECK(cols.to_vector() == vals<TestType>({1, 1, 0, 3, 3, 2, 5, 5, 4}));
  CHECK(index_select(x, 0, IndexTensor(Shape{0})).shape() == Shape{0, 2});
}

TEST_CASE("index_select along a middle axis keeps the outer and inner order", "[shape_ops][index]") {
  auto y = index_select(iota<float>({2, 3, 2}), 1, idx({2, 0}));
  CHECK(y.to_vector() == std::vector<float>{4, 5, 0, 1, 10, 11, 6, 7});
}

TEST_CASE("index_select names the bad index", "[shape_ops][index]") {
  auto x = iota<float>({3, 2});
  CHECK_THROWS_WITH(index_select(x, 0, idx({0, 3})), "index_select: index 3 is out of range for axis 0 of shape (3, 2)");
  CHECK_THROWS_WITH(index_select(x, 1, idx({-1})), "index_select: index -1 is out of range for axis 1 of shape (3, 2)");
  CHECK_THROWS_WITH(index_select(x, 0, IndexTensor(Shape{1, 2}, {0, 1})),
                    "index_select: index must have rank 1, got shape (1, 2)");
  CHECK_THROWS_AS(index_select(x, 0, idx({5})), ValueError);
}

TEMPLATE_TEST_CASE("index_add_ accumulates repeated indices", "[shape_ops][index]", float, double, Index) {
  auto dst = Tensor<TestType>::zeros({3, 2});
  index_add_(dst, 0, idx({2, 0, 2}), Tensor<TestType>({3, 2}, {1, 2, 3, 4, 5, 6}));
  CHECK(dst.to_vector() == vals<TestType>({3, 4, 0, 0, 6, 8}));
  auto cols = Tensor<TestType>::ones({2, 3});
  index_add_(cols, 1, idx({0, 0}), Tensor<TestType>({2, 2}, {1, 2, 3, 4}));
  CHECK(cols.to_vector() == vals<TestType>({4, 1, 1, 8, 1, 1}));
}

TEST_CASE("index_add_ into wide rows splits columns, not rows: index order, same bits on 1 and 2 threads",
          "[shape_ops][index]") {
  // An embedding's gradient: 300 rows of 130 (two whole column blocks and a partial one)
  // added into 5 rows; each element must be the sum of its rows in index order.
  const Index n = 300, width = 130;
  std::vector<Index> ids(n);
  for (Index k = 0; k < n; ++k) ids[static_cast<std::size_t>(k)] = (k * 7) % 5;
  const IndexTensor index(Shape{n}, ids);
  Tensor<float> src(Shape{n, width});
  for (Index i = 0; i < src.numel(); ++i) src.data()[i] = 1.f / static_cast<float>(1 + (i * 37) % 101);
  std::vector<float> want(5 * width, 0.f);
  for (Index k = 0; k < n; ++k)
    for (Index j = 0; j < width; ++j) want[static_cast<std::size_t>(ids[k] * width + j)] += src.data()[k * width + j];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    auto dst = Tensor<float>::zeros({5, width});
    index_add_(dst, 0, index, src);
    INFO("threads " << threads);
    CHECK(dst.to_vector() == want);
  }
  set_num_threads(0);
}

TEST_CASE("index_add_ checks shapes and indices before writing", "[shape_ops][index]") {
  auto dst = Tensor<double>::zeros({3, 2});
  CHECK_THROWS_WITH(index_add_(dst, 0, idx({0, 1, 2}), Tensor<double>::ones({2, 2})),
                    "index_add_: src of shape (2, 2) does not fit dst of shape (3, 2) with 3 indices on axis 0 (needs (3, 2))");
  CHECK_THROWS_WITH(index_add_(dst, 0, idx({0, 7}), Tensor<double>::ones({2, 2})),
                    "index_add_: index 7 is out of range for axis 0 of shape (3, 2)");
  CHECK(equal(dst, Tensor<double>::zeros({3, 2})));
}

TEMPLATE_TEST_CASE("gather follows torch.gather on a matrix", "[shape_ops][index]", float, double, Index) {
  Tensor<TestType> t({2, 2}, {1, 2, 3, 4});
  CHECK(gather(t, 1, IndexTensor({2, 2}, {0, 0, 1, 0})).to_vector() == vals<TestType>({1, 1, 4, 3}));
  CHECK(gather(t, 0, IndexTensor({2, 2}, {1, 0, 0, 0})).to_vector() == vals<TestType>({3, 2, 1, 2}));
  // An index smaller than x on the other axis reads its leading part.
  CHECK(gather(t, 1, IndexTensor({1, 3}, {1, 1, 0})).to_vector() == vals<TestType>({2, 2, 1}));
  CHECK(gather(iota<TestType>({5}), 0, idx({4, 0})).to_vector() == vals<TestType>({4, 0}));
}

TEMPLATE_TEST_CASE("gather matches PyTorch on every axis of a 3-d tensor", "[shape_ops][index]", float, double) {
  auto x = iota<TestType>({4, 5, 6});
  for (int axis : {0, 1, 2}) {
    INFO("axis " << axis);
    const auto a = std::to_string(axis);
    auto index = fixture<Index>("shape_ops.json", "gather_index_axis" + a);
    CHECK(equal(gather(x, axis, index), fixture<TestType>("shape_ops.json", "gather_axis" + a)));
  }
}

TEST_CASE("large gathers give the same result on one and two threads", "[shape_ops][index]") {
  const int before = num_threads();
  auto x = iota<float>({300, 400});
  IndexTensor index(Shape{300, 400});
  for (Index i = 0; i < index.numel(); ++i) index.data()[i] = (i * 7919) % 300;
  set_num_threads(1);
  auto one = gather(x, 0, index);
  set_num_threads(2);
  auto two = gather(x, 0, index);
  set_num_threads(before);
  CHECK(equal(one, two));
  CHECK(one.at({299, 399}) == x.at({index.at({299, 399}), 399}));
}

TEST_CASE("gather names the shapes and the bad index", "[shape_ops][index]") {
  auto t = iota<float>({2, 2});
  CHECK_THROWS_WITH(gather(t, 1, idx({0, 1})), "gather: index of shape (2) does not have the rank of (2, 2)");
  CHECK_THROWS_WITH(gather(t, 1, IndexTensor({3, 1}, {0, 0, 0})), "gather: index of shape (3, 1) exceeds (2, 2) outside axis 1");
  CHECK_THROWS_WITH(gather(t, 1, IndexTensor({1, 1}, {2})), "gather: index 2 is out of range for axis 1 of shape (2, 2)");
  CHECK_THROWS_AS(gather(t, 0, IndexTensor({1, 1}, {-1})), ValueError);
}

TEMPLATE_TEST_CASE("scatter_add_ adds src at the gathered positions", "[shape_ops][index]", float, double, Index) {
  auto dst = Tensor<TestType>::zeros({2, 2});
  scatter_add_(dst, 1, IndexTensor({2, 2}, {0, 0, 1, 0}), Tensor<TestType>({2, 2}, {1, 2, 3, 4}));
  CHECK(dst.to_vector() == vals<TestType>({3, 0, 4, 3}));
  auto rows = Tensor<TestType>::zeros({3, 2});
  scatter_add_(rows, 0, IndexTensor({2, 2}, {2, 0, 2, 2}), Tensor<TestType>({2, 2}, {1, 2, 3, 4}));
  CHECK(rows.to_vector() == vals<TestType>({0, 2, 0, 0, 4, 4}));
}

TEMPLATE_TEST_CASE("scatter_add_ matches PyTorch on every axis of a 3-d tensor", "[shape_ops][index]", float, double) {
  for (int axis : {0, 1, 2}) {
    INFO("axis " << axis);
    const auto a = std::to_string(axis);
    auto dst = Tensor<TestType>::zeros({4, 5, 6});
    scatter_add_(dst, axis, fixture<Index>("shape_ops.json", "gather_index_axis" + a),
                 fixture<TestType>("shape_ops.json", "scatter_src_axis" + a));
    CHECK(allclose(dst, fixture<TestType>("shape_ops.json", "scatter_add_axis" + a), 1e-6, 1e-6));
  }
}

TEST_CASE("scatter_add_ checks src against index before writing", "[shape_ops][index]") {
  auto dst = Tensor<float>::zeros({2, 2});
  CHECK_THROWS_WITH(scatter_add_(dst, 1, IndexTensor({2, 2}, {0, 0, 1, 0}), Tensor<float>::ones({2, 3})),
                    "scatter_add_: src of shape (2, 3) does not match index of shape (2, 2)");
  CHECK_THROWS_WITH(scatter_add_(dst, 0, IndexTensor({1, 2}, {0, 2}), Tensor<float>::ones({1, 2})),
                    "scatter_add_: index 2 is out of range for axis 0 of shape (2, 2)");
  CHECK(equal(dst, Tensor<float>::zeros({2, 2})));
}

TEMPLATE_TEST_CASE("one_hot sets one entry per row", "[shape_ops][index]", float, double) {
  auto y = one_hot<TestType>(idx({2, 0, 1}), 3);
  CHECK(y.shape() == Shape{3, 3});
  CHECK(y.to_vector() == vals<TestType>({0, 0, 1, 1, 0, 0, 0, 1, 0}));
  CHECK(one_hot<TestType>(IndexTensor(Shape{0}), 4).shape() == Shape{0, 4});
}

TEST_CASE("one_hot names the label out of range and the class count", "[shape_ops][index]") {
  CHECK_THROWS_WITH(one_hot<float>(idx({0, 3}), 3), "one_hot: label 3 is out of range for 3 classes");
  CHECK_THROWS_WITH(one_hot<double>(idx({-1}), 10), "one_hot: label -1 is out of range for 10 classes");
  CHECK_THROWS_AS(one_hot<float>(idx({0}), 0), ValueError);
  CHECK_THROWS_WITH(one_hot<float>(IndexTensor({1, 1}, {0}), 2), "one_hot: labels must have rank 1, got shape (1, 1)");
}
