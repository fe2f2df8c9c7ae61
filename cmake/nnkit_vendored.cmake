# The header-only libraries from a vendored copy instead of the system's: the Gradescope
# zip carries them in third_party/ (tools/vendor_headers.sh), and its setup.sh points
# NNKIT_VENDORED_INCLUDE at third_party/include. The targets made here have the names and
# the usage requirements find_package gives on Debian 12 (the packages' own *Targets.cmake
# files), so nothing that links them changes — except fmt, used header-only
# (FMT_HEADER_ONLY) so that no libfmt is needed on the image.
if(NOT EXISTS ${NNKIT_VENDORED_INCLUDE}/xtensor/xarray.hpp)
  message(FATAL_ERROR "NNKIT_VENDORED_INCLUDE=${NNKIT_VENDORED_INCLUDE} holds no xtensor/xarray.hpp: "
                      "expected the include/ folder that tools/vendor_headers.sh writes")
endif()

# nnkit_vendored_target(<name> [<definition>...]): an imported INTERFACE target whose
# include folder is the vendored one (imported, so its headers are system headers: their
# warnings are not the kit's).
function(nnkit_vendored_target name)
  add_library(${name} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${NNKIT_VENDORED_INCLUDE})
  if(ARGN)
    set_target_properties(${name} PROPERTIES INTERFACE_COMPILE_DEFINITIONS "${ARGN}")
  endif()
endfunction()

nnkit_vendored_target(xtl)
nnkit_vendored_target(xtensor)
nnkit_vendored_target(xtensor-blas)
nnkit_vendored_target(nlohmann_json::nlohmann_json)
nnkit_vendored_target(CLI11::CLI11)
nnkit_vendored_target(fmt::fmt FMT_HEADER_ONLY=1)
