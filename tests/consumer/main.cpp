// Uses the installed umbrella header and checks one product end to end.
#include <xgrad/xgrad.hpp>

#include <cstdio>

int main() {
  using namespace xgrad::core;
  Tensor<float> a(Shape{2, 2}, {1, 2, 3, 4});
  Tensor<float> c = matmul(a, a);  // [[7, 10], [15, 22]]
  if (c.at({1, 1}) != 22.0f) return 1;
  std::printf("consumer ok: %s\n", c.str().c_str());
  return 0;
}
