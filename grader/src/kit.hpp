#pragma once
/// The grader's kit: everything grading needs that does not depend on a submission,
/// staged by CMake into one folder (build/grader-kit, or /autograder/source/grader-kit on
/// Gradescope) and described by its kit.json:
///
///   include/   headers a submission may include (nnkit, the part headers, the scaffold)
///              — the only kit folder the compile step sees;
///   lib/       libnnkit.a, the scaffold, the probe runtime and each part's probes
///              — seen by the link step and, inside the probe binary, at run time;
///   manifest.json (the assignment's), solution/ (the reference parts), handout/ (the
///              blank parts)
///              — never mounted in the sandbox.
/// The cache (compiled parts, reference observations, the prepared split) lives in
/// cache/ beside them unless --cache says otherwise.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace grader {

struct Kit {
  std::filesystem::path root;
  std::filesystem::path include_dir, lib_dir, manifest, solution_dir, handout_dir;
  std::string compiler;                                   ///< absolute, under /usr
  std::vector<std::string> compile_flags;                 ///< every part
  std::vector<std::string> kit_libraries;                 ///< file names in lib/, link order
  std::vector<std::string> system_libraries;              ///< absolute paths or -l flags
  std::vector<std::pair<std::string, std::string>> sandbox_env;
  /// A digest of kit.json, the manifest, every library and header: a cached build is
  /// reused only for the same kit.
  std::string fingerprint;
};

/// Reads `root`/kit.json; throws grader::Error naming what is missing (and that
/// `make build` stages the kit). The kit's folder is hidden from every sandbox from then
/// on (hide_from_sandbox).
Kit load_kit(const std::filesystem::path& root);

/// The kit nnkit-grade was built with ($NNKIT_GRADER_KIT overrides it).
std::filesystem::path default_kit_dir();

/// A 64-bit FNV-1a digest as 16 hex digits: for cache folder names only — a cache hit is
/// always confirmed by comparing the bytes themselves.
std::string digest(const std::string& bytes);
std::string read_file(const std::filesystem::path& path);
/// Writes `path` atomically: a temporary file in the same folder, then rename.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes);

}  // namespace grader
