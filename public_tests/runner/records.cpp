// Reading the reporter's records: see records.hpp.
#include "records.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

namespace public_tests {

std::vector<TestCaseRecord> read_records(const std::filesystem::path& file) {
  std::vector<TestCaseRecord> cases;
  std::ifstream in(file);
  // an index, not a pointer: a later test case's record grows the vector
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t at = kNone;
  const auto find_or_add = [&](const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (cases[i].name == name) return i;
    }
    cases.push_back(TestCaseRecord{});
    cases.back().name = name;
    return cases.size() - 1;
  };
  const auto strings = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) ? j.at(key).get<std::vector<std::string>>() : std::vector<std::string>{};
  };
  const auto text = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) ? j.at(key).get<std::string>() : std::string();
  };
  for (std::string line; std::getline(in, line);) {
    nlohmann::json r;
    try {
      r = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      continue;
    }
    if (!r.is_object() || !r.contains("type")) continue;
    const std::string type = r.at("type").get<std::string>();
    try {
      if (type == "list") {
        cases[find_or_add(text(r, "test_case"))].suite = text(r, "suite");
        continue;
      }
      if (type == "start") {
        at = find_or_add(text(r, "test_case"));
        cases[at].started = true;
        continue;
      }
      if (at == kNone) continue;
      TestCaseRecord* current = &cases[at];
      if (type == "subcase") {
        current->last_path = strings(r, "path");
      } else if (type == "failure") {
        current->failures.push_back({strings(r, "path"), text(r, "file"),
                                     r.value("line", 0), text(r, "check"), text(r, "values"),
                                     text(r, "threw"), text(r, "message"), strings(r, "context")});
      } else if (type == "message") {
        current->messages.push_back(text(r, "text"));
      } else if (type == "exception") {
        current->escapes.push_back({strings(r, "path"), text(r, "text")});
      } else if (type == "end") {
        current->ended = true;
        current->passed = r.value("passed", false);
        at = kNone;
      }
    } catch (const nlohmann::json::exception&) {
      continue;  // a record of another shape: not ours to judge
    }
  }
  return cases;
}

}  // namespace public_tests
