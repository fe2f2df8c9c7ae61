#pragma once
/// Step 2 of a grading: one part compiled alone, in the sandbox, seeing only the kit's
/// headers, then linked with that part's probes (invariant I4, docs/architecture.md: a
/// compile error costs only its part, and the student sees the compiler's output).
///
/// Builds are cached by content: the same source bytes with the same kit give the same
/// probe binary, so a class of mostly-unchanged handouts, or a re-grade, compiles once.
/// A cache entry keeps the source it was built from and is used only when the bytes are
/// equal (the folder name is a digest, never trusted alone).
///
/// The probe binary holds the hidden probes: it is execute-only (mode 0111, owned by the
/// grader, bound read-only), so a probe can run it but not open it — as /probe/probe or
/// /proc/self/exe (invariant I2).
#include <filesystem>
#include <string>

#include "kit.hpp"
#include "sandbox.hpp"

namespace grader {

struct PartBuild {
  bool ok = false;
  std::filesystem::path probe_binary;  ///< when ok
  std::string compiler_output;         ///< what g++ and ld printed (capped)
  std::string failure;                 ///< "does not compile", "timed out after ..."
  bool cached = false;
  double seconds = 0;
};

/// Compiles `source` (the student's part file, already copied by intake) for `part` and
/// links it with libprobe_<part>.a; results are kept under `cache_dir`/builds.
PartBuild build_part(const Kit& kit, const std::string& part, const std::filesystem::path& source,
                     const std::filesystem::path& cache_dir);

}  // namespace grader
