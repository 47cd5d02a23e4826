# Third-party packages, all from Debian. xtensor and xsimd are private to the
# .cpp files; nothing a user includes pulls them in.
find_package(Threads REQUIRED)
find_package(TBB REQUIRED)
find_package(fmt REQUIRED)
# oneDNN (Debian's libdnnl-dev) runs the float convolutions; its CMake config needs
# ocl-icd-opencl-dev and opencl-headers. It threads with OpenMP, which core keeps at
# one thread per call (core/conv_dnnl.cpp) through the runtime Debian's oneDNN is built
# against, GCC's libgomp (core links it as `gomp`): no -fopenmp, and no compiler's
# omp.h, so clang builds (fuzz/) need no LLVM OpenMP package.
find_package(dnnl CONFIG REQUIRED)
find_package(xsimd REQUIRED)
# Debian's xtensor 0.24.3 asks for xsimd >= 9 in its config, but builds and
# vectorises with Debian's xsimd 8.1 (tested in tests/core/simd_test.cpp).
set(XTENSOR_USE_XSIMD ON)
find_package(xtensor REQUIRED)

# Flags for the project's own targets: one set of arch flags for everything, so
# xsimd's aligned allocator has the same alignment in every translation unit.
add_library(xgrad_flags INTERFACE)
target_compile_options(xgrad_flags INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>
  # xsimd's AVX-512 intrinsics trip a false positive in GCC 12.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
if(XGRAD_NATIVE)
  target_compile_options(xgrad_flags INTERFACE -march=native)
endif()
include(${CMAKE_CURRENT_LIST_DIR}/XgradCpu.cmake)
# The instruction sets the libraries are compiled for, recorded in the installed
# package so that a consumer on a CPU without them fails at configure time, not
# with SIGILL in the middle of a run.
xgrad_instruction_sets(XGRAD_INSTRUCTION_SETS ${XGRAD_NATIVE})
if(XGRAD_SANITIZE)
  target_compile_options(xgrad_flags INTERFACE -fsanitize=${XGRAD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(xgrad_flags INTERFACE -fsanitize=${XGRAD_SANITIZE})
endif()

# The private toolkit of kernel files: xtensor with xsimd.
add_library(xgrad_xtensor INTERFACE)
target_link_libraries(xgrad_xtensor INTERFACE xtensor xsimd)
target_compile_definitions(xgrad_xtensor INTERFACE XTENSOR_USE_XSIMD)
