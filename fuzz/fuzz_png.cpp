// libFuzzer entry for the PNG decoder of the image-folder reader; see fuzz_bodies.hpp and run.sh.
#include <cstddef>
#include <cstdint>

#include "fuzz_bodies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xgrad::fuzz::png({reinterpret_cast<const char*>(data), size});
  return 0;
}
