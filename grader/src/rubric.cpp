// Loading and checking the rubric: see rubric.hpp.
#include "rubric.hpp"

#include <cmath>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "error.hpp"

namespace grader {
namespace {

using json = nlohmann::json;

Judge judge_of(const json& j) {
  Judge judge;
  judge.kind = j.at("kind").get<std::string>();
  judge.rtol = j.value("rtol", 0.0);
  judge.atol = j.value("atol", 0.0);
  judge.keys = j.value("keys", std::vector<std::string>{});
  judge.key = j.value("key", std::string{});
  judge.threshold = j.value("threshold", 0.0);
  judge.max_ratio = j.value("max_ratio", 1.0);
  static const std::set<std::string> kinds = {"reference", "accuracy", "judgement", "plot",
                                              "decreasing"};
  if (!kinds.count(judge.kind)) throw Error("unknown judge kind \"" + judge.kind + "\"");
  if (judge.kind != "reference" && judge.key.empty()) {
    throw Error("judge kind \"" + judge.kind + "\" needs a \"key\"");
  }
  return judge;
}

}  // namespace

double Rubric::probe_timeout(const std::string& part, const std::string& probe) const {
  double timeout = 0;
  for (const auto& item : items) {
    if (item.part != part) continue;
    for (const auto& c : item.cases) {
      if (c.probe == probe) timeout = std::max(timeout, c.timeout_s);
    }
  }
  return timeout > 0 ? timeout : parts.at(part).timeout_s;
}

Rubric load_rubric(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read the rubric {}", path.string()));
  Rubric rubric;
  std::string where = "the top level";
  try {
    const json j = json::parse(in);
    rubric.total_points = j.at("total_points").get<double>();
    for (const auto& [name, p] : j.at("parts").items()) {
      rubric.parts[name] = Part{name, p.at("file").get<std::string>(), p.value("timeout_s", 60.0)};
    }
    std::set<std::string> ids;
    double total = 0;
    for (const auto& ji : j.at("items")) {
      Item item;
      item.number = ji.at("number").get<std::string>();
      where = "item " + item.number;
      item.name = ji.at("name").get<std::string>();
      item.part = ji.at("part").get<std::string>();
      item.points = ji.at("points").get<double>();
      if (!rubric.parts.count(item.part)) throw Error("unknown part \"" + item.part + "\"");
      double sum = 0;
      for (const auto& jc : ji.at("cases")) {
        Case c;
        c.id = jc.at("id").get<std::string>();
        where = "case " + c.id;
        const std::string suite = jc.at("suite").get<std::string>();
        if (suite != "public" && suite != "hidden") throw Error("suite must be public or hidden");
        c.suite = suite == "public" ? Suite::Public : Suite::Hidden;
        c.points = jc.at("points").get<double>();
        c.checks = jc.at("checks").get<std::string>();
        c.probe = jc.at("probe").get<std::string>();
        c.timeout_s = jc.value("timeout_s", 0.0);
        c.judge = judge_of(jc.at("judge"));
        if (!ids.insert(c.id).second) throw Error("the id is used twice");
        sum += c.points;
        item.cases.push_back(std::move(c));
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
    throw Error(fmt::format("rubric {}: {}: {}", path.string(), where, e.what()));
  }
  return rubric;
}

bool in_suite(Suite suite, const std::string& selection) {
  return selection == "all" || selection == suite_name(suite);
}

std::string suite_name(Suite suite) { return suite == Suite::Public ? "public" : "hidden"; }

}  // namespace grader
