#pragma once
/// The reference solution's observations for the probes a grading needs: computed by the
/// grader itself from the kit's solution/ (built and probed through exactly the same
/// sandboxed steps as a submission), cached one file per probe, never typed by hand
/// (docs/architecture.md, "The grader"). The cache folder's name is a digest of the kit, the
/// solution, the rubric and the prepared data (PreparedData::checksum), so everything is
/// recomputed when any of them changes — another dataset gives other observations; only
/// the probes asked for are computed (grading two items does not train the CNN).
/// Concurrent graders wait on a lock instead of computing a probe twice.
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "kit.hpp"
#include "observations.hpp"
#include "probe_run.hpp"
#include "rubric.hpp"

namespace grader {

/// How long the reference took on one probe, on this machine (the start-up deadline
/// after a hang and the budget's verdict read it: grading.cpp).
struct ReferenceTiming {
  double first_observation_s = -1;   ///< -1: it observed nothing (never for the reference)
  double wall_s = 0;
};

struct ReferenceStore {
  std::map<std::string, Observations> by_probe;   ///< key: "part/probe"
  /// Same keys; a probe cached by an older grader has no timing.
  std::map<std::string, ReferenceTiming> timing;
  const Observations* find(const std::string& part, const std::string& probe) const;
  const ReferenceTiming* find_timing(const std::string& part, const std::string& probe) const;
};

/// `probes` are "part/probe" keys; `data_checksum` is the prepared split's
/// (PreparedData::checksum) whose files `settings.data_dir` holds. Throws grader::Error
/// when the reference itself fails a probe (the kit is broken).
ReferenceStore load_or_compute_reference(const Kit& kit, const Rubric& rubric,
                                         const std::set<std::string>& probes,
                                         const std::string& data_checksum,
                                         const std::filesystem::path& cache_dir,
                                         const ProbeSettings& settings, bool progress);

}  // namespace grader
