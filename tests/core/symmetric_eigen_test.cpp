#include "xgrad/core/symmetric_eigen.hpp"

#include <catch2/catch.hpp>

#include <cmath>

#include "xgrad/core/linalg.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad::core;

TEST_CASE("symmetric_eigen gives a textbook matrix's known eigenpairs, largest first", "[eigen]") {
  // [[2, 1], [1, 2]]: eigenvalue 3 along (1, 1)/sqrt(2), eigenvalue 1 along (1, -1)/sqrt(2).
  const SymmetricEigen e = symmetric_eigen(Tensor<double>({2, 2}, {2, 1, 1, 2}));
  CHECK(e.values.data()[0] == Approx(3.0).epsilon(1e-14));
  CHECK(e.values.data()[1] == Approx(1.0).epsilon(1e-14));
  const double r = 1 / std::sqrt(2.0);
  CHECK(std::abs(e.vectors.at({0, 0})) == Approx(r));
  CHECK(e.vectors.at({0, 0}) * e.vectors.at({0, 1}) == Approx(0.5));   // same sign: (1, 1)
  CHECK(e.vectors.at({1, 0}) * e.vectors.at({1, 1}) == Approx(-0.5));  // opposite signs: (1, -1)
}

TEST_CASE("symmetric_eigen of a random covariance rebuilds it as V^T diag(w) V", "[eigen]") {
  Generator gen(5);
  const Tensor<double> m = normal<double>({30, 9}, 0.0, 1.0, gen);
  const Tensor<double> cov = matmul(m, m, Trans::Yes, Trans::No);
  const SymmetricEigen e = symmetric_eigen(cov);
  Tensor<double> scaled = e.vectors;  // row i times w_i
  for (Index i = 0; i < 9; ++i)
    for (Index j = 0; j < 9; ++j) scaled.data()[i * 9 + j] *= e.values.data()[i];
  CHECK(allclose(matmul(e.vectors, scaled, Trans::Yes, Trans::No), cov, 1e-10, 1e-10));
  Tensor<double> eye = Tensor<double>::zeros({9, 9});
  for (Index i = 0; i < 9; ++i) eye.data()[i * 9 + i] = 1;
  CHECK(allclose(matmul(e.vectors, e.vectors, Trans::No, Trans::Yes), eye, 1e-12, 1e-12));
  for (Index i = 1; i < 9; ++i) CHECK(e.values.data()[i - 1] >= e.values.data()[i]);
}

TEST_CASE("symmetric_eigen refuses a matrix that is not square", "[eigen]") {
  CHECK_THROWS_WITH(symmetric_eigen(Tensor<double>::zeros({2, 3})), "symmetric_eigen: the matrix must be square, got (2, 3)");
}
