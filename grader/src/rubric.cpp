// Loading and checking the manifest: see rubric.hpp.
#include "rubric.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "error.hpp"

namespace grader {
namespace {

using json = nlohmann::json;

/// The value of `key` in object `j`, or an Error that names the key and the type expected.
const json& member(const json& j, const std::string& key, json::value_t type, const char* expected) {
  if (!j.is_object()) throw Error(fmt::format("expected an object holding \"{}\"", key));
  const auto it = j.find(key);
  if (it == j.end()) throw Error(fmt::format("\"{}\" is missing; expected {}", key, expected));
  const bool number = type == json::value_t::number_float;
  if (number ? !it->is_number() : it->type() != type) {
    throw Error(fmt::format("\"{}\" is {}; expected {}", key, it->dump(), expected));
  }
  return *it;
}
std::string text(const json& j, const std::string& key) {
  return member(j, key, json::value_t::string, "a string").get<std::string>();
}
double number(const json& j, const std::string& key) {
  return member(j, key, json::value_t::number_float, "a number").get<double>();
}
const json& array(const json& j, const std::string& key) {
  return member(j, key, json::value_t::array, "a list");
}
const json& object(const json& j, const std::string& key) {
  return member(j, key, json::value_t::object, "an object");
}
double optional_number(const json& j, const std::string& key, double fallback) {
  return j.contains(key) ? number(j, key) : fallback;
}
std::size_t count(const json& j, const std::string& key) {
  const double value = number(j, key);
  if (value < 0 || value != std::floor(value)) {
    throw Error(fmt::format("\"{}\" is {}; expected a whole number", key, value));
  }
  return static_cast<std::size_t>(value);
}

Judge judge_of(const json& j, const Part& part, const std::vector<std::string>& words) {
  Judge judge;
  judge.kind = text(j, "kind");
  static const std::set<std::string> kinds = {"reference", "accuracy", "judgement", "plot",
                                              "decreasing"};
  if (!kinds.count(judge.kind)) {
    throw Error(fmt::format("judge \"kind\" is \"{}\"; expected reference, accuracy, judgement, "
                            "plot or decreasing", judge.kind));
  }
  judge.rtol = optional_number(j, "rtol", 0.0);
  judge.atol = optional_number(j, "atol", 0.0);
  if (j.contains("keys")) {
    for (const auto& key : array(j, "keys")) judge.keys.push_back(key.get<std::string>());
  }
  if (judge.kind != "reference") judge.key = text(j, "key");
  judge.max_ratio = optional_number(j, "max_ratio", 1.0);
  if (j.contains("threshold")) {
    throw Error("an accuracy judge takes its threshold from its part's "
                "\"test_accuracy_threshold\"; remove \"threshold\" here");
  }
  judge.threshold = part.test_accuracy_threshold;
  judge.words = words;
  if (judge.kind == "judgement" && words.empty()) {
    throw Error("a judgement judge needs the manifest's \"judgements\" to list the words");
  }
  return judge;
}

Part part_of(const json& j) {
  Part part;
  part.name = text(j, "name");
  part.class_name = text(j, "class");
  part.file = text(j, "file");
  part.timeout_s = number(j, "probe_timeout_s");
  part.test_accuracy_threshold = number(j, "test_accuracy_threshold");
  if (part.test_accuracy_threshold < 0 || part.test_accuracy_threshold > 1) {
    throw Error(fmt::format("\"test_accuracy_threshold\" is {}; expected an accuracy in [0, 1]",
                            part.test_accuracy_threshold));
  }
  if (j.contains("replays")) {
    for (const auto& r : array(j, "replays")) {
      Replay replay{text(r, "probe"), text(r, "fingerprint_probe"), text(r, "replay_probe"), {}, {}};
      for (const auto& [field, keys] : {std::pair{"inputs", &replay.inputs}, std::pair{"kept", &replay.kept}}) {
        for (const auto& key : array(r, field)) {
          if (!key.is_string()) {
            throw Error(fmt::format("a replay's \"{}\" lists observation keys (strings)", field));
          }
          keys->push_back(key.get<std::string>());
        }
      }
      part.replays.push_back(std::move(replay));
    }
  }
  return part;
}

/// A case's "announced_by": a public case's id, {"file", "sentence"}, or a non-empty list
/// of these. Which public case exists is the caller's to check (it knows the item).
std::vector<Announcement> announcements_of(const json& by) {
  const auto one = [](const json& j) {
    Announcement a;
    if (j.is_string()) {
      a.public_case = j.get<std::string>();
      if (a.public_case.empty()) throw Error("\"announced_by\" names an empty case id");
      return a;
    }
    if (!j.is_object() || j.size() != 2) {
      throw Error(fmt::format("\"announced_by\" holds {}; expected a public case's id or "
                              "{{\"file\", \"sentence\"}}",
                              j.dump().substr(0, 80)));
    }
    a.file = text(j, "file");
    a.sentence = text(j, "sentence");
    const std::filesystem::path file(a.file);
    if (a.file.empty() || file.is_absolute() ||
        std::any_of(file.begin(), file.end(), [](const auto& part) { return part == ".."; })) {
      throw Error(fmt::format("\"announced_by\" cites the file \"{}\"; expected a path inside "
                              "the handout, such as numpy_ann.hpp",
                              a.file));
    }
    if (a.sentence.empty()) throw Error("\"announced_by\" quotes an empty sentence");
    return a;
  };
  std::vector<Announcement> all;
  if (!by.is_array()) {
    all.push_back(one(by));
    return all;
  }
  if (by.empty()) throw Error("\"announced_by\" is an empty list; expected at least one announcement");
  for (const auto& j : by) all.push_back(one(j));
  return all;
}

}  // namespace

const Replay* Part::replay_of(const std::string& probe) const {
  for (const auto& r : replays) {
    if (r.probe == probe) return &r;
  }
  return nullptr;
}

const Part& Rubric::part(const std::string& name) const {
  for (const auto& p : parts) {
    if (p.name == name) return p;
  }
  throw Error(fmt::format("the manifest has no part \"{}\"", name));
}

double Rubric::probe_timeout(const std::string& part_name, const std::string& probe) const {
  double timeout = 0;
  for (const auto& item : items) {
    if (item.part != part_name) continue;
    for (const auto& c : item.cases) {
      if (c.probe == probe) timeout = std::max(timeout, c.timeout_s);
    }
  }
  return timeout > 0 ? timeout : part(part_name).timeout_s;
}

std::string Rubric::files_sentence() const {
  std::string sentence;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) sentence += i + 1 == parts.size() ? " and " : ", ";
    sentence += parts[i].file;
  }
  return sentence;
}

Rubric load_rubric(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read the manifest {}", path.string()));
  Rubric rubric;
  std::string where = "the top level";
  try {
    const json j = json::parse(in);
    rubric.name = text(j, "name");
    rubric.total_points = number(j, "total_points");
    where = "data.split";
    const json& split = object(object(j, "data"), "split");
    rubric.split = {count(split, "train_size"), count(split, "validation_size"),
                    count(split, "test_size"),
                    static_cast<std::uint32_t>(count(split, "random_state"))};
    where = "numerics.blas_pinning";
    const json& pinning = object(object(j, "numerics"), "blas_pinning");
    for (const auto& flag : array(pinning, "cpu_flags")) {
      rubric.blas_pinning.cpu_flags.push_back(flag.get<std::string>());
    }
    for (const auto& [name, value] : object(pinning, "env").items()) {
      rubric.blas_pinning.env.emplace_back(name, value.get<std::string>());
    }
    where = "judgements";
    for (const auto& judgement : array(j, "judgements")) {
      rubric.judgement_words.push_back(text(judgement, "word"));
    }
    std::set<std::string> names;
    for (const auto& jp : array(j, "parts")) {
      where = fmt::format("part {}", jp.dump().substr(0, 60));
      Part part = part_of(jp);
      where = "part " + part.name;
      if (!names.insert(part.name).second) throw Error("the part name is used twice");
      rubric.parts.push_back(std::move(part));
    }
    where = "the top level";
    if (rubric.parts.empty()) throw Error("\"parts\" is empty; expected at least one part");
    std::set<std::string> ids;
    double total = 0;
    for (const auto& ji : array(j, "items")) {
      Item item;
      item.number = text(ji, "number");
      where = "item " + item.number;
      item.name = text(ji, "name");
      item.part = text(ji, "part");
      item.points = number(ji, "points");
      if (!names.count(item.part)) {
        throw Error(fmt::format("\"part\" is \"{}\"; expected one of the manifest's parts",
                                item.part));
      }
      const Part& part = rubric.part(item.part);
      double sum = 0;
      for (const auto& jc : array(ji, "cases")) {
        Case c;
        c.id = text(jc, "id");
        where = "case " + c.id;
        const std::string suite = text(jc, "suite");
        if (suite != "public" && suite != "hidden") {
          throw Error(fmt::format("\"suite\" is \"{}\"; expected public or hidden", suite));
        }
        c.suite = suite == "public" ? Suite::Public : Suite::Hidden;
        c.points = number(jc, "points");
        c.checks = text(jc, "checks");
        c.probe = text(jc, "probe");
        c.timeout_s = optional_number(jc, "timeout_s", 0.0);
        c.judge = judge_of(object(jc, "judge"), part, rubric.judgement_words);
        if (jc.contains("announced_by")) {
          if (c.suite == Suite::Public) throw Error("\"announced_by\" is for hidden cases");
          c.announced_by = announcements_of(jc.at("announced_by"));
        }
        if (!ids.insert(c.id).second) throw Error("the id is used twice");
        sum += c.points;
        item.cases.push_back(std::move(c));
      }
      where = "item " + item.number;
      for (const auto& c : item.cases) {
        for (const auto& by : c.announced_by) {
          if (by.public_case.empty()) continue;
          const bool public_case = std::any_of(item.cases.begin(), item.cases.end(), [&](const Case& p) {
            return p.suite == Suite::Public && p.id == by.public_case;
          });
          if (!public_case) {
            throw Error(fmt::format("case {}: \"announced_by\" names \"{}\"; expected the id of a "
                                    "public case of item {} or {{\"file\", \"sentence\"}}",
                                    c.id, by.public_case, item.number));
          }
        }
      }
      where = "item " + item.number;
      if (std::abs(sum - item.points) > 1e-9) {
        throw Error(fmt::format("its cases add up to {} points, the item has {}", sum,
                                item.points));
      }
      total += item.points;
      rubric.items.push_back(std::move(item));
    }
    where = "the top level";
    if (std::abs(total - rubric.total_points) > 1e-9) {
      throw Error(fmt::format("the items add up to {} points, total_points is {}", total,
                              rubric.total_points));
    }
  } catch (const std::exception& e) {
    throw Error(fmt::format("manifest {}: {}: {}", path.string(), where, e.what()));
  }
  return rubric;
}

bool in_suite(Suite suite, const std::string& selection) {
  return selection == "all" || selection == suite_name(suite);
}

std::string suite_name(Suite suite) { return suite == Suite::Public ? "public" : "hidden"; }

}  // namespace grader
