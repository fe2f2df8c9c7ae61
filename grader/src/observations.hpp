#pragma once
/// What a probe reported on its channel (hidden_tests/probe/probe.hpp lists the line
/// formats), parsed outside the sandbox. Every line is untrusted input: a malformed line,
/// a key reported twice, or more than the cap make the probe's observations invalid,
/// never crash the grader.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace grader {

struct Observation {
  enum class Kind { Array, Text, Labels, File };
  Kind kind = Kind::Text;
  std::vector<std::size_t> shape;   ///< Array
  std::vector<double> values;       ///< Array (NaN/inf restored) or Labels
  std::string text;                 ///< Text, or File's relative path

  nlohmann::json to_json() const;
  static Observation from_json(const nlohmann::json& j);
  /// "array [2, 3]", "text", "labels (200)", "file": for messages.
  std::string describe_kind() const;
};

struct Observations {
  std::map<std::string, Observation> by_key;
  std::optional<std::string> problem;   ///< why the channel could not be trusted

  const Observation* find(const std::string& key) const;
  nlohmann::json to_json() const;
  static Observations from_json(const nlohmann::json& j);
};

/// Parses the channel text. Lines that are not JSON objects of the probe format, and a
/// key reported twice, set `problem` (the first one found).
Observations parse_observations(const std::string& channel_text);

}  // namespace grader
