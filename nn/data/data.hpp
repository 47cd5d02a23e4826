#pragma once
// The data part of nn: datasets, readers and the loader.
#include "xgrad/nn/data/corruption.hpp"
#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/data/dataset.hpp"
#include "xgrad/nn/data/dsprites.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/fashion_mnist.hpp"
#include "xgrad/nn/data/idx.hpp"
#include "xgrad/nn/data/series.hpp"
#include "xgrad/nn/data/text.hpp"
