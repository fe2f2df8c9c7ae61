# cmake -DRUBRIC=hidden_tests/rubric.json -P rubric_points.cmake — prints one line per
# rubric item, "<number> <points>", with CMake's own JSON parser (make_classroom.sh checks
# the public tests' points against it).
cmake_minimum_required(VERSION 3.25)
file(READ "${RUBRIC}" json)
string(JSON count LENGTH "${json}" items)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON number GET "${json}" items ${i} number)
  string(JSON points GET "${json}" items ${i} points)
  message("${number} ${points}")
endforeach()
