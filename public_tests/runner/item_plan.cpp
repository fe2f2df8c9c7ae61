// Reading the runner's plan from the manifest: see item_plan.hpp.
#include "item_plan.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace public_tests {

std::string item_title(const std::string& number, const std::string& name, double points) {
  return fmt::format("{} {} ({:g} {})", number, name, points, points == 1.0 ? "pt" : "pts");
}

std::vector<PlannedPart> read_plan(const std::filesystem::path& manifest) {
  std::ifstream in(manifest);
  if (!in) throw std::runtime_error("cannot read " + manifest.string());
  std::vector<PlannedPart> parts;
  try {
    const auto m = nlohmann::json::parse(in);
    for (const auto& p : m.at("parts")) {
      PlannedPart part;
      part.name = p.at("name").get<std::string>();
      part.number = p.at("number").get<int>();
      part.timeout_s = p.at("probe_timeout_s").get<double>();
      part.blas_threads = p.at("public_tests").at("blas_threads").get<int>();
      parts.push_back(part);
    }
    for (const auto& i : m.at("items")) {
      const std::string part_name = i.at("part").get<std::string>();
      const auto part = std::find_if(parts.begin(), parts.end(),
                                     [&](const PlannedPart& p) { return p.name == part_name; });
      if (part == parts.end()) {
        throw std::runtime_error("item " + i.at("number").get<std::string>() + " is of part \"" +
                                 part_name + "\", which \"parts\" lacks");
      }
      PlannedItem item;
      item.number = i.at("number").get<std::string>();
      item.points = i.at("points").get<double>();
      item.label = item.number + " " + i.at("name").get<std::string>();
      item.title = item_title(item.number, i.at("name").get<std::string>(), item.points);
      for (const auto& c : i.at("cases")) {
        if (c.at("suite") != "public" || !c.contains("timeout_s")) continue;
        item.timeout_s = std::max(item.timeout_s, c.at("timeout_s").get<double>());
        item.long_run = true;
      }
      if (item.timeout_s <= 0) item.timeout_s = part->timeout_s;
      part->points += item.points;
      part->items.push_back(item);
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(manifest.string() + ": " + e.what());
  }
  return parts;
}

}  // namespace public_tests
