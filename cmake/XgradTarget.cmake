# xgrad_add_layer(NAME SOURCES... DEPENDS layers... [PUBLIC_LIBS libs...])
# One static library per layer, installed and exported as xgrad::NAME.
function(xgrad_add_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(xgrad_${name} STATIC ${ARG_SOURCES})
  add_library(xgrad::${name} ALIAS xgrad_${name})
  set_target_properties(xgrad_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME xgrad_${name})
  target_include_directories(xgrad_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # The public headers are C++20: a consumer gets the standard from the target.
  target_compile_features(xgrad_${name} PUBLIC cxx_std_20)
  target_link_libraries(xgrad_${name} PUBLIC ${ARG_DEPENDS} ${ARG_PUBLIC_LIBS}
    PRIVATE $<BUILD_INTERFACE:xgrad_flags> $<BUILD_INTERFACE:xgrad_xtensor> ${ARG_PRIVATE_LIBS})
  set_property(GLOBAL APPEND PROPERTY XGRAD_INSTALLED_TARGETS xgrad_${name})
endfunction()
