#pragma once
/// Replaying the reference's long run (docs/architecture.md, "Replaying the reference's
/// run"; the manifest's part "replays"). A CNN's full run takes minutes, but under given
/// code it is a function of the network the student's constructor builds: when the
/// submission's given code is unchanged (given_code.hpp) and its network's fingerprint
/// equals the reference's (hidden_tests/probe/model_fingerprint.hpp), its run would be the
/// reference's value for value. Then only the student's code after the run is executed
/// (the replay probe: plot, judgement, on the reference's learning curve), and the rest is
/// the reference's observations. Any doubt — a changed line of given code, a different
/// fingerprint, a probe that fails — and the probe runs in full as always: a replay never
/// changes a verdict, it only saves the time of repeating the reference's run.
#include <filesystem>
#include <optional>
#include <string>

#include "kit.hpp"
#include "observations.hpp"
#include "probe_run.hpp"
#include "rubric.hpp"

namespace grader {

struct ReplayAttempt {
  std::optional<ProbeRun> run;  ///< what to judge as the long probe's run, when replayed
  std::string why_not;          ///< otherwise why not, for the instructor's log
  /// The fingerprint probe timed out having observed nothing: the part hangs while
  /// starting (grading.cpp then gives the long probe a start-up deadline).
  bool hung = false;
};

/// Tries to replay `replay.probe` of a submission whose given code is unchanged
/// (given_code_difference: the caller checks) and whose compiled probe binary is
/// `probe_binary`. `reference_run` is the reference's observations of `replay.probe` (may
/// be null). The fingerprint and replay probes are cheap: they get `settings` with the
/// timeout cut to `short_timeout_s` (the part's), not the long probe's. Probe outputs go
/// under `out_root`/<probe>. Throws grader::Error only when the
/// sandbox itself fails (as run_probe).
ReplayAttempt try_replay(const Kit& kit, const Replay& replay,
                         const Observations* reference_run, const std::filesystem::path& probe_binary,
                         const std::filesystem::path& out_root, const ProbeSettings& settings,
                         double short_timeout_s);

}  // namespace grader
