// PCA by what it must give: the known axes of a stretched cloud, exact reconstruction
// of data of lower rank, and projections that are the coordinates along the components.
#include "xgrad/models/evaluation/pca.hpp"

#include <catch2/catch.hpp>

#include <cmath>

#include "xgrad/core/random.hpp"

using namespace xgrad;
using core::Index;
using core::Tensor;

TEST_CASE("pca finds the axes of a cloud stretched along known directions", "[pca]") {
  // Points = 3 a u + 1 b v + 0.1 c w with u, v, w orthonormal in R^3 and a, b, c ~ N(0, 1).
  core::Generator gen(1);
  const Tensor<float> abc = core::normal<float>({4000, 3}, 0, 1, gen);
  const double r = 1 / std::sqrt(2.0);
  const double u[3] = {r, r, 0}, v[3] = {0, 0, 1}, w[3] = {r, -r, 0};
  Tensor<float> x({4000, 3});
  for (Index i = 0; i < 4000; ++i)
    for (int j = 0; j < 3; ++j)
      x.data()[i * 3 + j] = static_cast<float>(2 + 3 * abc.data()[i * 3] * u[j] + abc.data()[i * 3 + 1] * v[j] +
                                               0.1 * abc.data()[i * 3 + 2] * w[j]);
  const models::Pca p = models::Pca::fit(x, 2);
  CHECK(p.variances().data()[0] == Approx(9).epsilon(0.06));
  CHECK(p.variances().data()[1] == Approx(1).epsilon(0.06));
  // Signs are fixed: the largest entry of each component is positive.
  CHECK(p.components().at({0, 0}) == Approx(r).margin(0.01));
  CHECK(p.components().at({0, 1}) == Approx(r).margin(0.01));
  CHECK(p.components().at({1, 2}) == Approx(1).margin(0.01));
  CHECK(p.mean().data()[0] == Approx(2).margin(0.1));
}

TEST_CASE("pca reconstructs data of rank k exactly and projects onto coordinates", "[pca]") {
  core::Generator gen(2);
  const Tensor<float> codes = core::normal<float>({50, 2}, 0, 1, gen);
  const Tensor<float> basis = core::normal<float>({2, 6}, 0, 1, gen);
  Tensor<float> x({50, 6});
  for (Index i = 0; i < 50; ++i)
    for (Index j = 0; j < 6; ++j)
      x.data()[i * 6 + j] = 0.5f + codes.data()[i * 2] * basis.data()[j] + codes.data()[i * 2 + 1] * basis.data()[6 + j];
  const models::Pca p = models::Pca::fit(x, 2);
  for (double e : p.reconstruction_error(x)) CHECK(e < 1e-10);
  const models::Pca one = models::Pca::fit(x, 1);
  double worst = 0;
  for (double e : one.reconstruction_error(x)) worst = std::max(worst, e);
  CHECK(worst > 1e-3);  // one component cannot hold a plane
  // Projections: the centred row's dot product with each component; their variance is the component's.
  const Tensor<float> z = p.project(x);
  double var0 = 0;
  for (Index i = 0; i < 50; ++i) var0 += double(z.data()[i * 2]) * z.data()[i * 2] / 49;
  CHECK(var0 == Approx(p.variances().data()[0]).epsilon(1e-4));
}

TEST_CASE("pca refuses too few rows, a bad k and rows of another width", "[pca]") {
  const Tensor<float> x = Tensor<float>::zeros({5, 3});
  CHECK_THROWS_WITH(models::Pca::fit(x, 4), "Pca::fit: k must be in 1..3 (got 4)");
  CHECK_THROWS_AS(models::Pca::fit(Tensor<float>::zeros({1, 3}), 1), core::ValueError);
  CHECK_THROWS_AS(models::Pca::fit(x, 1).project(Tensor<float>::zeros({2, 4})), core::ShapeError);
}
