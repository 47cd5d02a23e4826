# xgrad_instruction_sets(OUT NATIVE): the x86 instruction-set macros (__AVX2__,
# __AVX512F__, ...) that the C++ compiler defines with -march=native when NATIVE is
# true, else with its default target: what code compiled that way needs from the CPU.
# Empty for compilers that do not take -march (then nothing is checked).
# Used by the build (cmake/XgradDeps.cmake) and by the installed package's config.
function(xgrad_instruction_sets out native)
  set(${out} "" PARENT_SCOPE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    return()
  endif()
  set(arch "")
  if(native)
    set(arch -march=native)
  endif()
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} ${arch} -dM -E -x c++ /dev/null
                  OUTPUT_VARIABLE defines ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    return()
  endif()
  string(REGEX MATCHALL "#define __(SSE[0-9_]*|AVX[0-9A-Z_]*|FMA|F16C|BMI2?)__ 1" found "${defines}")
  list(TRANSFORM found REPLACE "#define (__[A-Z0-9_]+__) 1" "\\1")
  list(SORT found)
  set(${out} "${found}" PARENT_SCOPE)
endfunction()
