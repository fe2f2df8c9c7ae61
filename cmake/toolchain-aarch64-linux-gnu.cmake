# Cross-compiling for Linux arm64 with Debian's g++-aarch64-linux-gnu against the arm64
# (multiarch) -dev packages that tools/packages-arm64.txt lists (make test-arm64):
#   cmake -S <archive> -B <build> -DCMAKE_TOOLCHAIN_FILE=<this file>
# Libraries are looked up in /usr/lib/aarch64-linux-gnu only (CMAKE_LIBRARY_ARCHITECTURE),
# never in the host's folders; the header-only libraries are found in /usr/include as on
# the host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Programs CMake runs at build time would be arm64 ones: through qemu, as the tests are.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L /usr/aarch64-linux-gnu)

# xtensor, xtensor-blas and xsimd are header-only, but Debian packages them per
# architecture with their CMake files in /usr/lib/<arch>/cmake, and their arm64 packages
# cannot be installed beside the host's (tools/packages-arm64.txt). The host's files name
# only /usr/include and the targets' compile features: right for any target.
foreach(package xtensor xtensor-blas xsimd)
  set(${package}_DIR /usr/lib/${CMAKE_HOST_SYSTEM_PROCESSOR}-linux-gnu/cmake/${package}
      CACHE PATH "the host's ${package} CMake files (header-only)")
endforeach()
