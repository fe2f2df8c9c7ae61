// given_code_difference (grader/src/given_code.hpp): the check that lets the grader replay
// the reference's long run. On the kit's own files (every part's solution keeps its
// handout's given code) and on the ways a file can change what runs outside its regions.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "given_code.hpp"

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

/// A small handout: given code around two regions.
const std::string kHandout =
    "#include <string>\n"
    "int given(int x) { return x + 1; }\n"
    "\n"
    "Net::Net(int seed) {\n"
    "  // 3.1 Net::Net\n"
    "  // >>> YOUR CODE HERE >>>\n"
    "  throw std::logic_error(\"not implemented\");\n"
    "  // <<< END OF YOUR CODE <<<\n"
    "}\n"
    "void Net::train() { step(); }\n"
    "std::string Net::judge() const {\n"
    "  // >>> YOUR CODE HERE >>>\n"
    "  throw std::logic_error(\"not implemented\");\n"
    "  // <<< END OF YOUR CODE <<<\n"
    "}\n";

/// kHandout with the first region's body replaced by `body` (lines, each ending in \n).
std::string with_first_region(const std::string& body) {
  std::string s = kHandout;
  const std::string old = "  throw std::logic_error(\"not implemented\");\n";
  return s.replace(s.find(old), old.size(), body);
}

}  // namespace

TEST_CASE("given_code_every_part_of_the_solution_keeps_its_handout_given_code") {
  const std::string root = NNKIT_SOURCE_DIR;
  const auto manifest = nlohmann::json::parse(read(root + "/assignment/manifest.json"));
  for (const auto& part : manifest.at("parts")) {
    const std::string file = part.at("file").get<std::string>();
    CAPTURE(file);
    CHECK(grader::given_code_difference(read(root + "/handout/" + file), read(root + "/solution/" + file)) == "");
    // and the blank handout against itself
    CHECK(grader::given_code_difference(read(root + "/handout/" + file), read(root + "/handout/" + file)) == "");
  }
}

TEST_CASE("given_code_regions_filled_with_ordinary_code_keep_it") {
  CHECK(grader::given_code_difference(kHandout, kHandout) == "");
  const std::string filled = with_first_region(
      "  for (int i = 0; i < seed; ++i) { layers.push_back(i); }\n"
      "  auto f = [&](int v) { if (v) { return 1; } return 0; };\n"
      "  const char* text = \"}{ } \\\" }\";  // a } in a comment\n"
      "  char brace = '}', quote = '\\'';\n"
      "  auto raw = R\"x( } )\" } )x\";\n"
      "  long big = 1'000'000; double d = 1.5e-3; int hex = 0x1'F;\n"
      "  /* } a block comment { */\n"
      "  auto wide = L\"}\"; auto u8s = u8\"}\"; auto c16 = u'}';\n"
      "  // a comment continued \\\n"
      "  } on the next line by a backslash\n");
  CHECK(grader::given_code_difference(kHandout, filled) == "");
}

TEST_CASE("given_code_carriage_returns_and_trailing_blanks_are_not_changes") {
  std::string windows;
  for (const char c : kHandout) {
    if (c == '\n') windows += "  \r";
    windows += c;
  }
  CHECK(grader::given_code_difference(kHandout, windows) == "");
}

TEST_CASE("given_code_a_changed_given_line_is_reported") {
  std::string changed = kHandout;
  changed.replace(changed.find("step();"), 7, "step(); step();");
  const std::string why = grader::given_code_difference(kHandout, changed);
  CHECK(why.find("the given code differs from the handout's after region 1") != std::string::npos);
  std::string added = kHandout + "int helper() { return 2; }\n";
  CHECK(grader::given_code_difference(kHandout, added).find("lines missing") == std::string::npos);
  CHECK(grader::given_code_difference(kHandout, added) != "");
  std::string removed = kHandout;
  removed.erase(removed.find("int given"), removed.find("\n", removed.find("int given")) + 1 - removed.find("int given"));
  CHECK(grader::given_code_difference(kHandout, removed) != "");
}

TEST_CASE("given_code_regions_that_reach_outside_their_body_are_reported") {
  CHECK(grader::given_code_difference(kHandout, with_first_region("#define step() other()\n"))
            .find("a preprocessor line") != std::string::npos);
  CHECK(grader::given_code_difference(kHandout, with_first_region("  %:define step() other()\n"))
            .find("a preprocessor line") != std::string::npos);
  CHECK(grader::given_code_difference(kHandout, with_first_region("  }\n  void Net::step() {\n"))
            .find("closes the body") != std::string::npos);
  CHECK(grader::given_code_difference(kHandout, with_first_region("  %>\n  void Net::step() <%\n"))
            .find("closes the body") != std::string::npos);
  // a digit separator must not open a character literal that hides the brace
  CHECK(grader::given_code_difference(kHandout, with_first_region("  int a = 1'0; } void f() { int b = 2'0;\n"))
            .find("closes the body") != std::string::npos);
  CHECK(grader::given_code_difference(kHandout, with_first_region("  if (seed) {\n"))
            .find("braces do not balance") != std::string::npos);
  CHECK(grader::given_code_difference(kHandout, with_first_region("  /* never closed\n"))
            .find("never closes") != std::string::npos);
}

TEST_CASE("given_code_markers_out_of_place_are_reported") {
  std::string no_close = kHandout;
  no_close.erase(no_close.find("  // <<< END OF YOUR CODE <<<\n"), 30);
  CHECK(grader::given_code_difference(kHandout, no_close) != "");
  std::string one_region = kHandout;
  one_region.erase(one_region.rfind("  // >>> YOUR CODE HERE >>>\n"), 28);
  one_region.erase(one_region.rfind("  // <<< END OF YOUR CODE <<<\n"), 30);
  CHECK(grader::given_code_difference(kHandout, one_region) != "");
}
