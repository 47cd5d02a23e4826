#include <catch2/catch.hpp>

#include "xgrad/core/memory.hpp"
#include "xgrad/core/tensor.hpp"

using namespace xgrad::core;

TEST_CASE("shape prints, counts and compares", "[shape]") {
  Shape s{3, 1, 4};
  CHECK(s.rank() == 3);
  CHECK(s.numel() == 12);
  CHECK(s.str() == "(3, 1, 4)");
  CHECK(s.dim(-1) == 4);
  CHECK(Shape{}.numel() == 1);
  CHECK(Shape{2, 3} != Shape{3, 2});
  CHECK_THROWS_WITH(s.dim(3), "size: axis 3 is out of range for a tensor of rank 3");
}

TEST_CASE("broadcast_shapes follows NumPy and names both shapes on failure", "[shape]") {
  CHECK(broadcast_shapes(Shape{3, 1, 4}, Shape{1, 5, 1}, "add") == Shape{3, 5, 4});
  CHECK(broadcast_shapes(Shape{4}, Shape{2, 3, 4}, "add") == Shape{2, 3, 4});
  CHECK(broadcast_shapes(Shape{}, Shape{2}, "mul") == Shape{2});
  CHECK_THROWS_AS(broadcast_shapes(Shape{3}, Shape{4}, "add"), ShapeError);
  CHECK_THROWS_WITH(broadcast_shapes(Shape{2, 3}, Shape{4}, "mul"),
                    "mul: shapes (2, 3) and (4) cannot be broadcast together");
}

TEST_CASE("normalize_axes sorts, wraps negatives and rejects repeats", "[shape]") {
  CHECK(normalize_axes({-1, 0}, 3, "sum") == std::vector<int>{0, 2});
  CHECK(normalize_axes({}, 2, "sum") == std::vector<int>{0, 1});
  CHECK_THROWS_AS(normalize_axes({1, -2}, 3, "sum"), ValueError);
  CHECK_THROWS_AS(normalize_axes({3}, 3, "sum"), ValueError);
}

TEST_CASE("tensor creation fills values", "[tensor]") {
  auto z = Tensor<float>::zeros({2, 3});
  CHECK(z.numel() == 6);
  CHECK(z.to_vector() == std::vector<float>(6, 0.f));
  CHECK(Tensor<double>::ones({2}).to_vector() == std::vector<double>{1, 1});
  CHECK(Tensor<float>::full({1, 2}, 7.f).to_vector() == std::vector<float>{7, 7});
  CHECK(Tensor<double>::arange(0, 1, 0.25).to_vector() == std::vector<double>{0, 0.25, 0.5, 0.75});
  CHECK(Tensor<Index>::arange(2, 5).to_vector() == std::vector<Index>{2, 3, 4});
  CHECK(Tensor<float>::scalar(3.f).dim() == 0);
  CHECK(Tensor<float>::scalar(3.f).item() == 3.f);
  CHECK_FALSE(Tensor<float>().defined());
  CHECK_THROWS_WITH((Tensor<float>(Shape{2, 2}, {1, 2, 3})), "tensor: 3 values do not fill shape (2, 2) (4 elements)");
}

TEST_CASE("tensor storage is 64-byte aligned", "[tensor]") {
  for (int n : {1, 3, 17, 1000}) {
    Tensor<float> t(Shape{n});
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  }
}

TEST_CASE("tensor copies are deep and moves are cheap", "[tensor]") {
  Tensor<float> a(Shape{2}, {1, 2});
  Tensor<float> b = a;
  b.at({0}) = 5;
  CHECK(a.at({0}) == 1);
  const float* p = a.data();
  Tensor<float> c = std::move(a);
  CHECK(c.data() == p);
}

TEST_CASE("reshape infers one dimension and rejects bad sizes", "[tensor]") {
  Tensor<float> a = Tensor<float>::arange(0, 12);
  CHECK(a.reshape({3, -1}).shape() == Shape{3, 4});
  CHECK_THROWS_WITH(a.reshape({5, -1}), "reshape: cannot reshape (12) into (5, -1)");
  CHECK_THROWS_WITH(a.reshape({5, 2}), "reshape: cannot reshape (12) into (5, 2)");
}

TEST_CASE("at checks every index", "[tensor]") {
  Tensor<double> a(Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  CHECK(a.at({1, 2}) == 5);
  CHECK_THROWS_WITH(a.at({2, 0}), "at: index 2 is out of range for axis 0 of shape (2, 3)");
  CHECK_THROWS_AS(a.at({1}), ValueError);
}

TEST_CASE("the allocator reuses freed blocks of the same size", "[memory]") {
  { Tensor<float> warm(Shape{1234}); }
  const auto before = allocator_stats();
  for (int i = 0; i < 10; ++i) Tensor<float> t(Shape{1234});
  const auto after = allocator_stats();
  CHECK(after.system_allocations == before.system_allocations);
  CHECK(after.cache_hits >= before.cache_hits + 10);
}

TEST_CASE("to converts element types", "[tensor]") {
  Tensor<double> a(Shape{3}, {1.5, -2.5, 3});
  CHECK(a.to<float>().to_vector() == std::vector<float>{1.5f, -2.5f, 3.f});
  CHECK(a.to<Index>().to_vector() == std::vector<Index>{1, -2, 3});
}

TEST_CASE("numel of a huge shape is an error, not an overflow", "[shape]") {
  const xgrad::core::Index big = xgrad::core::Index(1) << 31;
  CHECK_THROWS_WITH((Shape{big, big, big}.numel()),
                    "shape: (2147483648, 2147483648, 2147483648) has more elements than fit in 64 bits");
  CHECK(Shape{big, big, big, 0}.numel() == 0);
}
