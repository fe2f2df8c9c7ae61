// Replaying the reference's long run: see replay.hpp.
#include "replay.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "text.hpp"

namespace grader {
namespace {

/// The first line where two fingerprints differ, quoted from the submission's (for the
/// instructor's log only: it may quote the student's module names).
std::string first_difference(const std::string& reference, const std::string& submitted) {
  std::size_t line = 1, at = 0;
  while (at < reference.size() && at < submitted.size() && reference[at] == submitted[at]) {
    if (reference[at] == '\n') ++line;
    ++at;
  }
  const auto begin = submitted.rfind('\n', at == 0 ? 0 : at - 1);
  const auto start = begin == std::string::npos || at == 0 ? 0 : begin + 1;
  return fmt::format("line {}: \"{}\"", line,
                     text::one_line(submitted.substr(start, submitted.find('\n', start) - start), 200));
}

}  // namespace

ReplayAttempt try_replay(const Kit& kit, const Replay& replay,
                         const Observations* reference_run, const std::filesystem::path& probe_binary,
                         const std::filesystem::path& out_root, const ProbeSettings& settings,
                         double short_timeout_s) {
  ReplayAttempt attempt;
  const Observation* reference_fingerprint = reference_run ? reference_run->find("fingerprint") : nullptr;
  if (!reference_fingerprint || reference_fingerprint->kind != Observation::Kind::Text) {
    attempt.why_not = "the reference's run observed no fingerprint";
    return attempt;
  }

  ProbeSettings short_settings = settings;
  short_settings.timeout_s = std::min(settings.timeout_s, short_timeout_s);

  // 1. The fingerprint alone: nothing of the reference's enters this sandbox.
  const ProbeRun fingerprint = run_probe(kit, probe_binary, replay.fingerprint_probe,
                                         out_root / replay.fingerprint_probe, short_settings);
  const Observation* submitted = fingerprint.observations.find("fingerprint");
  if (!fingerprint.failure.empty() || !submitted) {
    attempt.hung = fingerprint.process.timed_out && fingerprint.process.first_line_seconds < 0;
    attempt.why_not = fmt::format("its fingerprint probe failed: {}",
                                  fingerprint.failure.empty() ? "no fingerprint observed" : fingerprint.failure);
    return attempt;
  }
  if (submitted->text != reference_fingerprint->text) {
    attempt.why_not = "its network is not the reference's, " +
                      first_difference(reference_fingerprint->text, submitted->text);
    return attempt;
  }

  // 2. The same network: the student's code after the run, on the reference's inputs.
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& key : replay.inputs) {
    const Observation* o = reference_run->find(key);
    if (!o || o->kind != Observation::Kind::Array) {
      attempt.why_not = fmt::format("the reference's run has no array \"{}\" to hand the replay", key);
      return attempt;
    }
    inputs[key] = o->values;
  }
  ProbeSettings replay_settings = short_settings;
  replay_settings.input_files.emplace_back("replay_inputs.json", inputs.dump());
  ProbeRun run = run_probe(kit, probe_binary, replay.replay_probe, out_root / replay.replay_probe,
                           replay_settings);
  const Observation* replayed = run.observations.find("fingerprint");
  if (!run.failure.empty() || !replayed || replayed->text != reference_fingerprint->text) {
    attempt.why_not = fmt::format("its replay probe failed: {}",
                                  run.failure.empty() ? "another fingerprint than its fingerprint probe's"
                                                      : run.failure);
    return attempt;
  }
  // What is judged: the reference's run where the network decides, the student's code
  // where it does.
  for (const auto& key : replay.kept) {
    const Observation* o = reference_run->find(key);
    if (!o) {
      attempt.why_not = fmt::format("the reference's run has no \"{}\" to keep", key);
      return attempt;
    }
    run.observations.by_key[key] = *o;
  }
  attempt.run = std::move(run);
  return attempt;
}

}  // namespace grader
