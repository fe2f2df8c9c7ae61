// Parsing the probe channel: see observations.hpp.
#include "observations.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "text.hpp"

namespace grader {
namespace {

using json = nlohmann::json;

double number_of(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  throw std::invalid_argument("not a number");
}

json json_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

const char* kind_name(Observation::Kind kind) {
  switch (kind) {
    case Observation::Kind::Array: return "array";
    case Observation::Kind::Text: return "text";
    case Observation::Kind::Labels: return "labels";
    case Observation::Kind::File: return "file";
  }
  return "?";
}

}  // namespace

json Observation::to_json() const {
  json j = {{"kind", kind_name(kind)}};
  if (kind == Kind::Array || kind == Kind::Labels) {
    json data = json::array();
    for (double v : values) data.push_back(json_number(v));
    j["data"] = data;
    if (kind == Kind::Array) j["shape"] = shape;
  } else if (kind == Kind::Text) {
    j["text"] = text;
  } else {
    j["path"] = text;
  }
  return j;
}

Observation Observation::from_json(const json& j) {
  Observation o;
  const std::string kind = j.at("kind").get<std::string>();
  if (kind == "array") {
    o.kind = Kind::Array;
    o.shape = j.at("shape").get<std::vector<std::size_t>>();
    std::size_t expected = 1;
    for (auto d : o.shape) expected *= d;
    for (const auto& v : j.at("data")) o.values.push_back(number_of(v));
    if (o.values.size() != expected) {
      throw std::invalid_argument(fmt::format("shape says {} values, data has {}", expected,
                                              o.values.size()));
    }
  } else if (kind == "labels") {
    o.kind = Kind::Labels;
    for (const auto& v : j.at("data")) o.values.push_back(v.get<double>());
  } else if (kind == "text") {
    o.kind = Kind::Text;
    o.text = j.at("text").get<std::string>();
  } else if (kind == "file") {
    o.kind = Kind::File;
    o.text = j.at("path").get<std::string>();
  } else {
    throw std::invalid_argument("unknown kind " + kind);
  }
  return o;
}

std::string Observation::describe_kind() const {
  switch (kind) {
    case Kind::Array: return fmt::format("array [{}]", fmt::join(shape, ", "));
    case Kind::Labels: return fmt::format("labels ({})", values.size());
    default: return kind_name(kind);
  }
}

const Observation* Observations::find(const std::string& key) const {
  const auto it = by_key.find(key);
  return it == by_key.end() ? nullptr : &it->second;
}

json Observations::to_json() const {
  json j = json::object();
  for (const auto& [key, o] : by_key) j[key] = o.to_json();
  return j;
}

Observations Observations::from_json(const json& j) {
  Observations o;
  for (const auto& [key, value] : j.items()) o.by_key[key] = Observation::from_json(value);
  return o;
}

Observations parse_observations(const std::string& channel_text) {
  Observations result;
  std::istringstream lines(channel_text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      const json j = json::parse(line);
      const std::string key = j.at("key").get<std::string>();
      if (result.by_key.count(key)) {
        if (!result.problem) result.problem = fmt::format("\"{}\" was reported twice", text::cut(key, 100));
        continue;
      }
      result.by_key[key] = Observation::from_json(j);
    } catch (const std::exception& e) {
      if (!result.problem) {
        // the parser's message quotes the line, which is the submission's to fill
        result.problem = fmt::format("its line {} is malformed ({})", number, text::cut(e.what(), 300));
      }
    }
  }
  return result;
}

}  // namespace grader
