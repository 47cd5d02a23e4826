#pragma once
// Layer: a module whose forward maps one variable to one variable. Sequential
// chains Layers; modules with other signatures (Embedding takes indices, the
// recurrent cells take a state) derive from Module directly.
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class Layer : public Module {
 public:
  virtual Var forward(const Var& x) = 0;
  Var operator()(const Var& x) { return forward(x); }
};

}  // namespace xgrad::nn
