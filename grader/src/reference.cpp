// The reference observations and their cache: see reference.hpp.
#include "reference.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <iostream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "part_build.hpp"

namespace grader {

namespace fs = std::filesystem;

const Observations* ReferenceStore::find(const std::string& part, const std::string& probe) const {
  const auto it = by_probe.find(part + "/" + probe);
  return it == by_probe.end() ? nullptr : &it->second;
}

ReferenceStore load_or_compute_reference(const Kit& kit, const Rubric& rubric,
                                         const fs::path& cache_dir, const ProbeSettings& settings,
                                         bool progress) {
  std::string identity = kit.fingerprint + read_file(kit.rubric);
  for (const auto& [name, part] : rubric.parts) identity += read_file(kit.solution_dir / part.file);
  const fs::path file = cache_dir / "reference" / (digest(identity) + ".json");
  fs::create_directories(file.parent_path());

  // One computation at a time; whoever waited finds the file written.
  const int lock = open((cache_dir / "reference" / "lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) throw Error("cannot lock the reference cache");
  struct Unlock { int fd; ~Unlock() { close(fd); } } unlock{lock};

  ReferenceStore store;
  if (fs::exists(file)) {
    const auto j = nlohmann::json::parse(read_file(file));
    for (const auto& [key, value] : j.items()) store.by_probe[key] = Observations::from_json(value);
    return store;
  }
  if (progress) std::cerr << "reference: computing the reference observations (once per kit)\n";
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, part] : rubric.parts) {
    const PartBuild build = build_part(kit, name, kit.solution_dir / part.file, cache_dir);
    if (!build.ok) {
      throw Error(fmt::format("the reference {} {}:\n{}", part.file, build.failure,
                              build.compiler_output));
    }
    std::set<std::string> probes;
    for (const auto& item : rubric.items) {
      if (item.part != name) continue;
      for (const auto& c : item.cases) probes.insert(c.probe);
    }
    for (const auto& probe : probes) {
      ProbeSettings s = settings;
      s.timeout_s = rubric.probe_timeout(name, probe);
      const ProbeRun run = run_probe(kit, build.probe_binary, probe,
                                     cache_dir / "reference" / "out" / name / probe, s);
      if (!run.failure.empty()) {
        throw Error(fmt::format("the reference solution fails probe {} of {}: {}\n{}", probe,
                                name, run.failure, run.process.stderr_text));
      }
      if (progress) std::cerr << fmt::format("reference: {} {} ({:.1f} s)\n", name, probe,
                                             run.process.wall_seconds);
      store.by_probe[name + "/" + probe] = run.observations;
      j[name + "/" + probe] = run.observations.to_json();
    }
  }
  write_file_atomically(file, j.dump());
  return store;
}

}  // namespace grader
