// The reference observations and their cache: see reference.hpp.
#include "reference.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <iostream>

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

const ReferenceTiming* ReferenceStore::find_timing(const std::string& part,
                                                   const std::string& probe) const {
  const auto it = timing.find(part + "/" + probe);
  return it == timing.end() ? nullptr : &it->second;
}

namespace {

/// The timing sits beside the observations (PROBE.timing.json), so that caches written
/// before it existed still load: their probes just have no timing.
void load_timing(ReferenceStore& store, const std::string& key, const fs::path& file) {
  if (!fs::exists(file)) return;
  try {
    const auto j = nlohmann::json::parse(read_file(file));
    store.timing[key] = {j.at("first_observation_s").get<double>(), j.at("wall_s").get<double>()};
  } catch (const std::exception&) {
    // a damaged timing costs only the start-up deadline's precision (grading.cpp's fallback)
  }
}

}  // namespace

ReferenceStore load_or_compute_reference(const Kit& kit, const Rubric& rubric,
                                         const std::set<std::string>& probes,
                                         const std::string& data_checksum,
                                         const fs::path& cache_dir, const ProbeSettings& settings,
                                         bool progress) {
  if (data_checksum.empty()) throw Error("the reference cache needs the prepared data's checksum");
  // The probes read the prepared split: observations made on one dataset are wrong for
  // another (a solution would fail its own hidden cases after FMNIST_DIR changes).
  std::string identity = kit.fingerprint + read_file(kit.manifest) + "data " + data_checksum;
  for (const auto& part : rubric.parts) identity += read_file(kit.solution_dir / part.file);
  const fs::path folder = cache_dir / "reference" / digest(identity);
  fs::create_directories(folder);

  // One computation at a time; whoever waited finds the files written.
  const int lock = open((folder / "lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) throw Error("cannot lock the reference cache");
  struct Unlock { int fd; ~Unlock() { close(fd); } } unlock{lock};

  ReferenceStore store;
  std::map<std::string, PartBuild> builds;
  for (const auto& key : probes) {
    const auto slash = key.find('/');
    const std::string name = key.substr(0, slash), probe = key.substr(slash + 1);
    const fs::path file = folder / name / (probe + ".json");
    const fs::path timing_file = folder / name / (probe + ".timing.json");
    if (fs::exists(file)) {
      store.by_probe[key] = Observations::from_json(nlohmann::json::parse(read_file(file)));
      load_timing(store, key, timing_file);
      continue;
    }
    if (!builds.count(name)) {
      const std::string& source = rubric.part(name).file;
      builds[name] = build_part(kit, name, kit.solution_dir / source, cache_dir);
      if (!builds[name].ok) {
        throw Error(fmt::format("the reference {} {}:\n{}", source, builds[name].failure,
                                builds[name].compiler_output));
      }
    }
    ProbeSettings s = settings;
    s.timeout_s = rubric.probe_timeout(name, probe);
    const ProbeRun run = run_probe(kit, builds[name].probe_binary, probe,
                                   cache_dir / "reference-out" / name / probe, s);
    if (!run.failure.empty()) {
      throw Error(fmt::format("the reference solution fails probe {} of {}: {}\n{}", probe, name,
                              run.failure, run.process.stderr_text));
    }
    if (progress) {
      std::cerr << fmt::format("reference: {} {} computed ({:.1f} s)\n", name, probe,
                               run.process.wall_seconds);
    }
    const ReferenceTiming timing{run.process.first_line_seconds, run.process.wall_seconds};
    write_file_atomically(timing_file, nlohmann::json{{"first_observation_s", timing.first_observation_s},
                                                      {"wall_s", timing.wall_s}}
                                           .dump());
    write_file_atomically(file, run.observations.to_json().dump());
    store.by_probe[key] = run.observations;
    store.timing[key] = timing;
  }
  std::error_code ec;
  fs::remove_all(cache_dir / "reference-out", ec);
  return store;
}

}  // namespace grader
