#pragma once
// The probability distributions of nn, one include away: Normal, Bernoulli,
// Categorical, MixtureOfGaussians, kl_divergence and sum_event.
#include "xgrad/nn/distributions/bernoulli.hpp"
#include "xgrad/nn/distributions/categorical.hpp"
#include "xgrad/nn/distributions/distribution.hpp"
#include "xgrad/nn/distributions/kl.hpp"
#include "xgrad/nn/distributions/mixture.hpp"
#include "xgrad/nn/distributions/normal.hpp"
