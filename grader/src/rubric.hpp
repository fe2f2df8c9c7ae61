#pragma once
/// The assignment as the grader reads it from the kit's manifest.json (the assignment's
/// assignment/manifest.json, staged; docs/adapt-the-assignment.md documents the format):
/// its parts, its items made of cases with partial credit, the thresholds and judgement
/// words the judges use, the data split and the numerics the probes run with.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <nnkit/data/fashion_mnist.hpp>

namespace grader {

enum class Suite { Public, Hidden };

struct Judge {
  std::string kind;              ///< reference | accuracy | judgement | plot | decreasing
  double rtol = 0, atol = 0;     ///< reference
  std::vector<std::string> keys; ///< reference: the keys compared (empty: all)
  std::string key;               ///< accuracy, judgement, plot, decreasing
  double threshold = 0;          ///< accuracy: the part's test_accuracy_threshold
  std::vector<std::string> words;///< judgement: the manifest's judgement words
  double max_ratio = 1;          ///< decreasing
};

/// One announcement of a hidden case (the manifest's "announced_by"): either the id of a
/// public case of the same item, or a sentence of a file of the handout.
struct Announcement {
  std::string public_case;  ///< 1.6.public.update_order; empty for a sentence
  std::string file;         ///< numpy_ann.hpp: a path inside the handout
  std::string sentence;     ///< quoted word for word (comment markers and line breaks aside)
};

struct Case {
  std::string id;
  Suite suite = Suite::Public;
  double points = 0;
  std::string checks;            ///< shown to students: what is checked, never the value
  std::string probe;
  double timeout_s = 0;          ///< 0: the part's
  /// What told the student of the kinds of requirement a hidden case checks, so that it
  /// checks none they were not told of: public cases of the same item, and sentences of
  /// the handout (ctest kit.announcements checks that each is there, word for word).
  std::vector<Announcement> announced_by;
  Judge judge;
};

struct Item {
  std::string number, name, part;
  double points = 0;
  std::vector<Case> cases;
};

/// A long probe whose reference run may be replayed (a part's "replays" in the manifest;
/// docs/architecture.md, "Replaying the reference's run"): when the submission's given code
/// is unchanged and `fingerprint_probe` observes the same "fingerprint" as `probe` did in
/// the reference's run, `replay_probe` runs instead of `probe`, handed the reference's
/// `inputs` observations; what is judged is the reference's `kept` observations and
/// everything `replay_probe` observed.
struct Replay {
  std::string probe;              ///< 3.2.full_training
  std::string fingerprint_probe;  ///< 3.2.full_training.fingerprint
  std::string replay_probe;       ///< 3.2.full_training.replay
  std::vector<std::string> inputs;  ///< train_losses, ...: arrays handed to replay_probe
  std::vector<std::string> kept;    ///< test_predictions, ...: taken from the reference's run
};

struct Part {
  std::string name;              ///< numpy_ann
  std::string class_name;        ///< NumpyANN
  std::string file;              ///< numpy_ann.cpp: what a submission hands in
  double timeout_s = 60;         ///< a probe's wall-clock limit unless its case says more
  double test_accuracy_threshold = 0;
  std::vector<Replay> replays;   ///< probes whose reference run may be replayed
  /// The replay of `probe`, or null.
  const Replay* replay_of(const std::string& probe) const;
};

/// numerics.blas_pinning: environment variables set in every probe when the grading
/// machine's CPU has all of `cpu_flags` (OpenBLAS picks float32 kernels by CPU).
struct BlasPinning {
  std::vector<std::string> cpu_flags;
  std::vector<std::pair<std::string, std::string>> env;
};

struct Rubric {
  std::string name;                    ///< the manifest's name
  double total_points = 0;
  std::vector<Part> parts;             ///< in the manifest's order
  std::vector<Item> items;
  std::vector<std::string> judgement_words;
  nnkit::data::SplitSizes split;
  BlasPinning blas_pinning;

  /// The part named `name`; throws grader::Error when there is none.
  const Part& part(const std::string& name) const;

  /// Wall-clock limit of `probe` in `part`: the largest timeout_s of its cases, else the
  /// part's.
  double probe_timeout(const std::string& part, const std::string& probe) const;

  /// The parts' files as a sentence: "numpy_ann.cpp, pytorch_ann.cpp and pytorch_cnn.cpp".
  std::string files_sentence() const;
};

/// Reads and checks the manifest: every key the grader needs is there with the expected
/// type, every item's points equal its cases' sum, the items add up to total_points, ids
/// are unique, every part and judge kind is known. Throws grader::Error naming the file,
/// the place (item or case) and the key, and what was expected.
Rubric load_rubric(const std::filesystem::path& manifest);

bool in_suite(Suite suite, const std::string& selection);  ///< selection: public|hidden|all
std::string suite_name(Suite suite);

}  // namespace grader
