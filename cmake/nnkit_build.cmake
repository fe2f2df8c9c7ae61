# Build settings and dependencies shared by the kit's top-level CMakeLists.txt and the
# student archive's: one place for both.
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

# Graded binaries may run on another CPU than the one that built them, so the
# default build targets baseline x86-64; -march=native is an explicit opt-in.
option(NNKIT_NATIVE "Compile with -march=native (not portable)" OFF)
if(NNKIT_NATIVE)
  add_compile_options(-march=native)
endif()
add_compile_options(-Wall -Wextra)
# Precompiled headers for nnkit and for the parts (lib/CMakeLists.txt, nnkit_compile_for_editing):
# OFF builds without, to check that every file includes what it uses.
option(NNKIT_PCH "Precompile the headers nnkit's files and the parts parse (xtensor, fmt, nnkit)" ON)

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
set(CMAKE_ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
set(CMAKE_LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)

set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_package(ZLIB REQUIRED)
# The header-only libraries: Debian's packages, or (only in the Gradescope autograder's
# build, whose zip carries a copy of them and the file that makes their targets) that copy.
set(NNKIT_VENDORED_INCLUDE "" CACHE PATH
    "Folder of vendored header-only libraries instead of the system's (the Gradescope zip's)")
if(NNKIT_VENDORED_INCLUDE)
  include(${CMAKE_CURRENT_LIST_DIR}/nnkit_vendored.cmake)
else()
  find_package(xtl REQUIRED)
  find_package(xtensor REQUIRED)
  find_package(xtensor-blas REQUIRED)
  find_package(nlohmann_json REQUIRED)
  find_package(fmt REQUIRED)
  find_package(CLI11 REQUIRED)
  # the tests' framework: the Gradescope build, the only vendored one, has no tests
  find_package(doctest REQUIRED)
endif()


# nnkit_compile_for_checking(target): -O1 for code whose running time is not its own — the
# public tests and their runner, the programs' flags, reports and plots. What they start
# (a forward pass, a training run) runs in nnkit and in the parts, built at the build
# type's full optimisation. At -O3, g++ 12 spends 3–4 times longer on these files' doctest,
# CLI11 and JSON templates (test_pytorch_ann.cpp: 12 s and 517 MB; at -O1: 3 s, 416 MB),
# which was most of a student's first build. The numbers do not change with the level:
# no -ffast-math anywhere, and -ffp-contract=off (the manifest's) for every part.
function(nnkit_compile_for_checking target)
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:-O1>)
endfunction()

# nnkit_compile_for_editing(target pch_target): the part a student edits is compiled again
# after every edit, and that compile is the wait of the edit-test loop (g++ 12, the
# reference's numpy_ann.cpp: 4.3 s at -O3; 2.4 s with these three settings):
# - the precompiled header of nnkit, xtensor and fmt that pch_target built
#   (nnkit_add_editing_pch; their parsing took 1.6 s);
# - -O1: a part's own code is a thin layer over nnkit's kernels and OpenBLAS, built at -O3,
#   so a training takes about a tenth longer (part 1's program: 6.3 s against 5.7 s) and
#   prints the same numbers (no -ffast-math, and -ffp-contract=off for every part);
# - g++ collects its garbage less often (0.3 s for about 20 MB more).
# The grader compiles the parts with flags of its own (the kit's compile_flags, -O3).
function(_nnkit_editing_options target)
  nnkit_compile_for_checking(${target})
  target_compile_options(${target} PRIVATE
    $<$<CXX_COMPILER_ID:GNU>:--param=ggc-min-expand=100 --param=ggc-min-heapsize=393216>)
endfunction()

function(nnkit_compile_for_editing target pch_target)
  _nnkit_editing_options(${target})
  if(NNKIT_PCH)
    target_precompile_headers(${target} REUSE_FROM ${pch_target})
  endif()
endfunction()

# nnkit_add_editing_pch(name): a target of its own that builds the parts' shared precompiled
# header from an empty file, so that every part reuses it (one header built, not one a
# part) and a part that does not compile never stops another's. A compiler uses a
# precompiled header only with the flags it was built with: this target links what a part
# links and is compiled as a part is, and must stay so (clang refuses a mismatch; g++
# falls back to parsing, and warns under -Winvalid-pch, which CMake adds).
function(nnkit_add_editing_pch name)
  file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${name}.cpp
       CONTENT "// builds the parts' shared precompiled header (nnkit_add_editing_pch)\n")
  add_library(${name} OBJECT ${CMAKE_CURRENT_BINARY_DIR}/${name}.cpp)
  target_link_libraries(${name} PRIVATE nnkit assignment_manifest fmt::fmt)
  _nnkit_editing_options(${name})
  if(NNKIT_PCH)
    target_precompile_headers(${name} PRIVATE
      <nnkit/nnkit.hpp> <xtensor/xarray.hpp> <xtensor/xbuilder.hpp> <xtensor/xmath.hpp>
      <xtensor/xview.hpp> <fmt/format.h> <algorithm> <cmath> <cstdint> <iostream> <string>
      <vector>)
  endif()
endfunction()
