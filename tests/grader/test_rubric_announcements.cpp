// load_rubric and a hidden case's "announced_by" (docs/adapt-the-assignment.md): the forms
// it takes (a public case's id, {"file", "sentence"}, a list of both) are read; one that
// names a case that is not a public case of the same item, cites a file outside the
// handout or says nothing is refused, naming the case. The manifest is the assignment's,
// edited in a temporary copy.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "rubric.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

json assignment_manifest() {
  std::ifstream in(NNKIT_MANIFEST_FILE);
  REQUIRE_MESSAGE(in.good(), "cannot read " << NNKIT_MANIFEST_FILE);
  return json::parse(in);
}

/// The case `id` of `manifest`.
json& case_of(json& manifest, const std::string& id) {
  for (auto& item : manifest["items"]) {
    for (auto& c : item["cases"]) {
      if (c["id"] == id) return c;
    }
  }
  FAIL("the manifest has no case " << id);
  throw;
}

/// load_rubric on `manifest` written to a temporary file.
grader::Rubric load(const json& manifest) {
  const fs::path path = fs::temp_directory_path() /
                        ("test_rubric_announcements_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << manifest.dump(2);
  struct Remove {
    fs::path path;
    ~Remove() { fs::remove(path); }
  } remove{path};
  return grader::load_rubric(path);
}

const grader::Case& loaded_case(const grader::Rubric& rubric, const std::string& id) {
  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) {
      if (c.id == id) return c;
    }
  }
  FAIL("the rubric has no case " << id);
  throw;
}

/// The message load_rubric throws for `manifest`, or "" when it loads.
std::string refusal(const json& manifest) {
  try {
    load(manifest);
  } catch (const grader::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("announced_by: a public case's id, a sentence, or a list of both") {
  json manifest = assignment_manifest();
  const std::string id = "1.6.hidden.update_order_hidden";
  case_of(manifest, id)["announced_by"] = "1.6.public.update_order";
  auto c = loaded_case(load(manifest), id);
  REQUIRE(c.announced_by.size() == 1);
  CHECK(c.announced_by[0].public_case == "1.6.public.update_order");

  case_of(manifest, id)["announced_by"] = {{"file", "numpy_ann.hpp"}, {"sentence", "all gradients first"}};
  c = loaded_case(load(manifest), id);
  REQUIRE(c.announced_by.size() == 1);
  CHECK(c.announced_by[0].public_case.empty());
  CHECK(c.announced_by[0].file == "numpy_ann.hpp");
  CHECK(c.announced_by[0].sentence == "all gradients first");

  case_of(manifest, id)["announced_by"] =
      json::array({"1.6.public.doc_example", {{"file", "scaffold/program.hpp"}, {"sentence", "s"}}});
  c = loaded_case(load(manifest), id);
  REQUIRE(c.announced_by.size() == 2);
  CHECK(c.announced_by[0].public_case == "1.6.public.doc_example");
  CHECK(c.announced_by[1].file == "scaffold/program.hpp");
}

TEST_CASE("announced_by: the assignment's manifest announces every hidden case") {
  for (const auto& item : load(assignment_manifest()).items) {
    for (const auto& c : item.cases) {
      CAPTURE(c.id);
      CHECK((c.suite == grader::Suite::Public) == c.announced_by.empty());
    }
  }
}

TEST_CASE("announced_by: what does not announce is refused, naming the case") {
  const std::string id = "1.6.hidden.several_steps";
  const auto refused = [&](const json& by, const std::string& expected) {
    json manifest = assignment_manifest();
    case_of(manifest, id)["announced_by"] = by;
    const std::string message = refusal(manifest);
    CAPTURE(by.dump());
    CHECK_MESSAGE(message.find("case " + id) != std::string::npos, message);
    CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
  };
  refused("1.6.hidden.update_order_hidden", "expected the id of a public case of item 1.6");
  refused("1.5.public.doc_example", "expected the id of a public case of item 1.6");
  refused("1.6.public.no_such_case", "names \"1.6.public.no_such_case\"");
  refused(json::array(), "an empty list");
  refused({{"file", "../solution/numpy_ann.cpp"}, {"sentence", "x"}}, "a path inside the handout");
  refused({{"file", "/etc/passwd"}, {"sentence", "x"}}, "a path inside the handout");
  refused({{"file", "numpy_ann.hpp"}, {"sentence", ""}}, "an empty sentence");
  refused({{"file", "numpy_ann.hpp"}}, "expected a public case's id or {\"file\", \"sentence\"}");
  refused(42, "expected a public case's id or {\"file\", \"sentence\"}");

  json manifest = assignment_manifest();
  case_of(manifest, "1.6.public.doc_example")["announced_by"] = "1.6.public.update_order";
  CHECK(refusal(manifest).find("\"announced_by\" is for hidden cases") != std::string::npos);
}
