// libFuzzer entry for the csv reader; see fuzz_bodies.hpp and run.sh.
#include <cstddef>
#include <cstdint>

#include "fuzz_bodies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xgrad::fuzz::csv({reinterpret_cast<const char*>(data), size});
  return 0;
}
