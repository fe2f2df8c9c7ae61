#pragma once
/// The reference solution's observations for every probe of the rubric: computed by the
/// grader itself from the kit's solution/ (built and probed through exactly the same
/// sandboxed steps as a submission), cached, never typed by hand (DESIGN.md, "Grader",
/// step 4). The cache file's name is a digest of the kit, the solution and the rubric; it
/// is recomputed when any of them changes. Concurrent graders wait on a lock instead of
/// computing it twice.
#include <filesystem>
#include <map>
#include <string>

#include "kit.hpp"
#include "observations.hpp"
#include "probe_run.hpp"
#include "rubric.hpp"

namespace grader {

struct ReferenceStore {
  std::map<std::string, Observations> by_probe;   ///< key: "part/probe"
  const Observations* find(const std::string& part, const std::string& probe) const;
};

/// Throws grader::Error when the reference itself fails a probe (the kit is broken).
ReferenceStore load_or_compute_reference(const Kit& kit, const Rubric& rubric,
                                         const std::filesystem::path& cache_dir,
                                         const ProbeSettings& settings, bool progress);

}  // namespace grader
