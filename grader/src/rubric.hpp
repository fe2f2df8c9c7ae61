#pragma once
/// The rubric: hidden_tests/rubric.json (its README documents the format). Items and
/// points are ASSIGNMENT.md's; each item is made of cases with partial credit.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace grader {

enum class Suite { Public, Hidden };

struct Judge {
  std::string kind;              ///< reference | accuracy | judgement | plot | decreasing
  double rtol = 0, atol = 0;     ///< reference
  std::vector<std::string> keys; ///< reference: the keys compared (empty: all)
  std::string key;               ///< accuracy, judgement, plot, decreasing
  double threshold = 0;          ///< accuracy
  double max_ratio = 1;          ///< decreasing
};

struct Case {
  std::string id;
  Suite suite = Suite::Public;
  double points = 0;
  std::string checks;            ///< shown to students: what is checked, never the value
  std::string probe;
  double timeout_s = 0;          ///< 0: the part's
  Judge judge;
};

struct Item {
  std::string number, name, part;
  double points = 0;
  std::vector<Case> cases;
};

struct Part {
  std::string name, file;
  double timeout_s = 60;
};

struct Rubric {
  double total_points = 0;
  std::map<std::string, Part> parts;   ///< by name: numpy_ann, pytorch_ann, pytorch_cnn
  std::vector<Item> items;

  /// Wall-clock limit of `probe` in `part`: the largest timeout_s of its cases, else the
  /// part's.
  double probe_timeout(const std::string& part, const std::string& probe) const;
};

/// Reads and checks the rubric: every item's points equal its cases' sum, the items add up
/// to total_points, ids are unique, every part and judge kind is known. Throws
/// grader::Error naming the file and the first problem.
Rubric load_rubric(const std::filesystem::path& path);

bool in_suite(Suite suite, const std::string& selection);  ///< selection: public|hidden|all
std::string suite_name(Suite suite);

}  // namespace grader
