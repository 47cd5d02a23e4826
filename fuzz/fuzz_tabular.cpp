// libFuzzer entry for the tabular (numeric CSV) reader; see fuzz_bodies.hpp and run.sh.
#include <cstddef>
#include <cstdint>

#include "fuzz_bodies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xgrad::fuzz::tabular({reinterpret_cast<const char*>(data), size});
  return 0;
}
