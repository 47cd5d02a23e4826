#include "xgrad/core/cholesky.hpp"

#include <catch2/catch.hpp>

#include "xgrad/core/linalg.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad::core;

TEST_CASE("cholesky factors a textbook matrix into its known lower-triangular factor", "[cholesky]") {
  // The worked example of the Cholesky decomposition (e.g. Wikipedia's): L has integer entries.
  const Tensor<double> a({3, 3}, {4, 12, -16, 12, 37, -43, -16, -43, 98});
  const Tensor<double> want({3, 3}, {2, 0, 0, 6, 1, 0, -8, 5, 3});
  CHECK(allclose(cholesky(a), want, 0.0, 1e-14));
}

TEST_CASE("cholesky of a random covariance gives L L^T back", "[cholesky]") {
  Generator gen(3);
  const Tensor<double> m = normal<double>({40, 12}, 0.0, 1.0, gen);
  const Tensor<double> cov = matmul(m, m, Trans::Yes, Trans::No);  // (12, 12), positive definite
  const Tensor<double> l = cholesky(cov);
  for (Index i = 0; i < 12; ++i)
    for (Index j = i + 1; j < 12; ++j) REQUIRE(l.at({i, j}) == 0.0);
  CHECK(allclose(matmul(l, l, Trans::No, Trans::Yes), cov, 1e-12, 1e-12));
}

TEST_CASE("cholesky refuses a matrix that is not square or not positive definite", "[cholesky]") {
  CHECK_THROWS_WITH(cholesky(Tensor<double>::zeros({2, 3})), "cholesky: the matrix must be square, got (2, 3)");
  const Tensor<double> indefinite({2, 2}, {1, 2, 2, 1});  // eigenvalues 3 and -1
  CHECK_THROWS_WITH(cholesky(indefinite), Catch::Contains("not positive definite (pivot 1"));
  CHECK_THROWS_AS(cholesky(Tensor<double>::zeros({2, 2})), ValueError);
}
