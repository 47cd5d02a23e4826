# cmake --install: headers under include/xgrad/<layer>/, static libraries, a package
# config so that find_package(xgrad CONFIG REQUIRED) gives xgrad::xgrad, and bin/xgrad.
include(CMakePackageConfigHelpers)
get_property(xgrad_targets GLOBAL PROPERTY XGRAD_INSTALLED_TARGETS)
install(TARGETS ${xgrad_targets} xgrad EXPORT xgradTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(layer IN LISTS XGRAD_LAYERS)
  if(TARGET xgrad_${layer})
    install(DIRECTORY ${layer}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xgrad/${layer}
      FILES_MATCHING PATTERN "*.hpp" PATTERN "detail" EXCLUDE)
  endif()
endforeach()
install(FILES include/xgrad/xgrad.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xgrad)
set(XGRAD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/xgrad)
install(EXPORT xgradTargets NAMESPACE xgrad:: DESTINATION ${XGRAD_CMAKE_DIR})
configure_package_config_file(cmake/xgradConfig.cmake.in ${CMAKE_BINARY_DIR}/xgradConfig.cmake
  INSTALL_DESTINATION ${XGRAD_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/xgradConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/xgradConfig.cmake ${CMAKE_BINARY_DIR}/xgradConfigVersion.cmake
  cmake/XgradCpu.cmake DESTINATION ${XGRAD_CMAKE_DIR})
# The program too: `cmake --install` gives PREFIX/bin/xgrad.
if(TARGET xgrad_cli)
  install(TARGETS xgrad_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
