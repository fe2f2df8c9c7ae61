# Staging a grader kit (grader/src/kit.hpp describes its layout): everything nnkit-grade
# needs to grade one assignment that does not depend on a submission, in one folder.
# Only its include/ is visible to a sandboxed compile and only its lib/ to a sandboxed
# link; the manifest, the solution and the blank handout beside them never enter the
# sandbox. Any assignment built with nnkit stages its kit with this function, so adding
# one needs no change to grader/ (examples/logistic_regression does it).

# nnkit_grader_kit(<target>
#   DIR <kit folder>  MANIFEST <manifest.json>  MANIFEST_HEADER <its generated header>
#   PARTS <part>...  FILES <file>...               the manifest's parts and their files
#   SOLUTION_DIR <dir>  HANDOUT_DIR <dir>          where the reference and blank files are
#   HEADERS <file>...                              copied into include/ (part headers, scaffold)
#   PROBE_PREFIX <prefix>                          probe targets are <prefix>probe_<part>
#   LIBRARIES <target>...                          kit libraries after the probes, link order
#   COMPILE_FLAGS <flag>...)                       numerics flags for every submitted part
# The manifest's generated header is staged into include/ too, so a part may include it.
# OpenBLAS's kernel pinning is not staged: the grader reads it from the manifest and
# checks the grading machine's CPU itself.
function(nnkit_grader_kit target)
  cmake_parse_arguments(kit "" "DIR;MANIFEST;SOLUTION_DIR;HANDOUT_DIR;PROBE_PREFIX;MANIFEST_HEADER"
                        "PARTS;FILES;HEADERS;LIBRARIES;COMPILE_FLAGS" ${ARGN})
  set(dir ${kit_DIR})

  # What a submitted part is compiled and linked with: the flags and libraries the kit's
  # own libraries were built with, written into kit.json at generate time.
  find_package(Boost REQUIRED COMPONENTS iostreams filesystem)
  get_filename_component(compiler ${CMAKE_CXX_COMPILER} REALPATH)
  string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
  separate_arguments(config_flags UNIX_COMMAND "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${build_type}}")
  # fmt as the kit's libraries use it: Debian's shared libfmt, or header-only with the
  # vendored headers (cmake/nnkit_vendored.cmake), which are staged in the kit's include/
  # and seen by the sandboxed compile under /kit/include (grader/src/part_build.cpp).
  if(NNKIT_VENDORED_INCLUDE)
    set(fmt_flags -DFMT_HEADER_ONLY=1 -isystem/kit/include/vendored)
    set(fmt_library "")
  else()
    set(fmt_flags -DFMT_SHARED)
    set(fmt_library "\"$<TARGET_LINKER_FILE:fmt::fmt>\", ")
  endif()
  set(flags -std=c++20 ${config_flags} ${fmt_flags} -I${OPENBLAS_CBLAS_INCLUDE} -Wall -Wextra
            ${kit_COMPILE_FLAGS})
  if(NNKIT_NATIVE)
    list(APPEND flags -march=native)
  endif()
  set(libraries "")
  foreach(library ${kit_LIBRARIES})
    list(APPEND libraries "$<TARGET_FILE_NAME:${library}>")
  endforeach()
  foreach(list_name flags libraries)
    list(TRANSFORM ${list_name} PREPEND "\"")
    list(TRANSFORM ${list_name} APPEND "\"")
    list(JOIN ${list_name} ", " ${list_name}_json)
  endforeach()
  list(JOIN BLAS_LIBRARIES "\", \"" blas_json)

  file(GENERATE OUTPUT ${dir}/kit.json CONTENT "{
  \"include_dir\": \"include\",
  \"lib_dir\": \"lib\",
  \"manifest\": \"manifest.json\",
  \"solution_dir\": \"solution\",
  \"handout_dir\": \"handout\",
  \"compiler\": \"${compiler}\",
  \"compile_flags\": [${flags_json}],
  \"kit_libraries\": [${libraries_json}],
  \"system_libraries\": [\"${blas_json}\", \"$<TARGET_LINKER_FILE:ZLIB::ZLIB>\",
                       ${fmt_library}\"$<TARGET_LINKER_FILE:Boost::iostreams>\",
                       \"$<TARGET_LINKER_FILE:Boost::filesystem>\", \"-lpthread\"],
  \"sandbox_env\": {}
}
")

  # Copies, refreshed on every build (cheap), so the kit never lags the sources.
  set(commands
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${dir}/include ${dir}/lib ${dir}/solution ${dir}/handout
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}/include ${dir}/lib ${dir}/solution ${dir}/handout
    COMMAND ${CMAKE_COMMAND} -E copy_directory ${PROJECT_SOURCE_DIR}/lib/include ${dir}/include
    COMMAND ${CMAKE_COMMAND} -E copy ${kit_HEADERS} ${kit_MANIFEST_HEADER} ${dir}/include
    COMMAND ${CMAKE_COMMAND} -E copy ${kit_MANIFEST} ${dir}/manifest.json)
  if(NNKIT_VENDORED_INCLUDE)
    list(APPEND commands COMMAND ${CMAKE_COMMAND} -E copy_directory ${NNKIT_VENDORED_INCLUDE}
                                 ${dir}/include/vendored)
  endif()
  set(depends ${kit_LIBRARIES})
  foreach(library ${kit_LIBRARIES})
    list(APPEND commands COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:${library}> ${dir}/lib)
  endforeach()
  foreach(part file IN ZIP_LISTS kit_PARTS kit_FILES)
    set(probe ${kit_PROBE_PREFIX}probe_${part})
    list(APPEND commands
      COMMAND ${CMAKE_COMMAND} -E copy ${kit_SOLUTION_DIR}/${file} ${dir}/solution
      COMMAND ${CMAKE_COMMAND} -E copy ${kit_HANDOUT_DIR}/${file} ${dir}/handout
      # the grader links lib/libprobe_<part>.a, whatever the target is called
      COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:${probe}> ${dir}/lib/libprobe_${part}.a)
    list(APPEND depends ${probe})
  endforeach()
  add_custom_target(${target} ALL ${commands} VERBATIM)
  add_dependencies(${target} ${depends})
endfunction()
