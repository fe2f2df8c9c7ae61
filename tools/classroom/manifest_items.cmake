# cmake -DMANIFEST=assignment/manifest.json -P manifest_items.cmake — prints, with CMake's
# own JSON parser (no jq in a student repository's CI or a Gradescope image), first one
# line per part of the manifest, then one per item that has a public case, in the
# manifest's order:
#   part <part> <public tests' time limit in seconds, parts[].public_tests.timeout_s>
#   item <part> <number> <name> (<points> pt|pts)
# the title the public tests give the item's test case ("1.6 _backward (3 pts)"; the
# generated header's ASSIGNMENT_ITEM_<number> macros, cmake/nnkit_manifest.cmake), which
# the student's `make test` prints with ": passed" or ": FAILED" after it. An item with no
# public case has no public test case, so it is left out. It stops with an error naming
# the key when the manifest lacks one.
cmake_minimum_required(VERSION 3.22)
if(NOT DEFINED MANIFEST OR NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "manifest_items.cmake: no manifest at \"${MANIFEST}\" (pass -DMANIFEST=file)")
endif()
file(READ "${MANIFEST}" json)

# get(<out> <key>...): the value at that path, or a fatal error that names it
macro(get out)
  string(JSON ${out} ERROR_VARIABLE error GET "${json}" ${ARGN})
  if(error)
    string(REPLACE ";" "." key "${ARGN}")
    message(FATAL_ERROR "${MANIFEST}: cannot read \"${key}\" (${error})")
  endif()
endmacro()

string(JSON parts_count ERROR_VARIABLE error LENGTH "${json}" parts)
if(error OR parts_count EQUAL 0)
  message(FATAL_ERROR "${MANIFEST}: no parts (${error})")
endif()
math(EXPR parts_last "${parts_count} - 1")
foreach(p RANGE ${parts_last})
  get(part_name parts ${p} name)
  get(part_timeout parts ${p} public_tests timeout_s)
  message("part ${part_name} ${part_timeout}")
endforeach()

string(JSON count ERROR_VARIABLE error LENGTH "${json}" items)
if(error OR count EQUAL 0)
  message(FATAL_ERROR "${MANIFEST}: no items (${error})")
endif()
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  get(number items ${i} number)
  get(name items ${i} name)
  get(points items ${i} points)
  get(part items ${i} part)
  string(JSON cases_count ERROR_VARIABLE error LENGTH "${json}" items ${i} cases)
  if(error)
    message(FATAL_ERROR "${MANIFEST}: item ${number} has no cases (${error})")
  endif()
  set(public OFF)
  if(cases_count GREATER 0)
    math(EXPR cases_last "${cases_count} - 1")
    foreach(c RANGE ${cases_last})
      get(suite items ${i} cases ${c} suite)
      if(suite STREQUAL "public")
        set(public ON)
      endif()
    endforeach()
  endif()
  if(NOT public)
    continue()
  endif()
  # as cmake/nnkit_manifest.cmake titles the test cases: "pt" for exactly 1, else "pts"
  if(points STREQUAL "1")
    set(unit pt)
  else()
    set(unit pts)
  endif()
  message("item ${part} ${number} ${name} (${points} ${unit})")
endforeach()
