// The runner's plan, from the assignment's manifest: the parts, their items with their
// points (so a part's total never depends on what ran), and the time each item may take.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace public_tests {

/// One scored item of the manifest.
struct PlannedItem {
  std::string number;      ///< "1.6"
  std::string title;       ///< "1.6 _backward (3 pts)": its public test case's name
  std::string label;       ///< "1.6 _backward": the title without the points
  double points = 0.0;
  /// The grader's time for the item's probes: its public cases' timeout_s, else the part's
  /// probe_timeout_s; so an item that runs out of time here does so in the grader too.
  double timeout_s = 0.0;
  bool long_run = false;   ///< a full training (a case with its own timeout_s): shown live
};

/// One part of the manifest.
struct PlannedPart {
  std::string name;        ///< "numpy_ann"
  int number = 0;
  double points = 0.0;     ///< the sum of its items' points
  double timeout_s = 0.0;  ///< probe_timeout_s: for test cases that are not items
  int blas_threads = 1;    ///< public_tests.blas_threads
  std::vector<PlannedItem> items;
};

/// "1.6 _backward (3 pts)", as the generated header titles the public test cases.
std::string item_title(const std::string& number, const std::string& name, double points);

/// The manifest's parts and items. Throws std::runtime_error naming the file and the key.
std::vector<PlannedPart> read_plan(const std::filesystem::path& manifest);

}  // namespace public_tests
