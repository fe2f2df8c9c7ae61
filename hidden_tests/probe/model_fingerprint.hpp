#pragma once
/// The fingerprint of a freshly built network: everything a training run by given code
/// depends on besides that code and the data (docs/architecture.md, "Replaying the
/// reference's run"). The grader replays the reference solution's long run for a
/// submission only when its network's fingerprint equals the reference's exactly and its
/// given code is unchanged (grader/src/given_code.hpp): the run would then be the same,
/// value for value, so repeating it only costs minutes.
///
/// It holds, one fact per line:
///   - the module tree: each module's exact C++ type (a class of the student's own, even
///     one printing like nnkit's, differs) and PyTorch's repr of the whole model;
///   - every parameter and buffer: name, shape, dtype, requires_grad, leaf or not,
///     gradient set or not, sum and a digest of its values; and whether any two share
///     storage (shared weights train differently);
///   - the process state training reads or that could reach into it while no student code
///     is on the stack: the default generator's stream (its next 624 draws: the whole
///     MT19937 state), OpenBLAS's thread count (nnkit pins it to 1: more threads change
///     OpenBLAS's floats), autograd's mode, the threads the construction started, the
///     signal handlers installed and the interval timers armed.
/// Not the thread counts of the grading machine: nnkit's results do not depend on them
/// (docs/numerics.md, "Threads"), and the reference may have run on another share of CPU.
/// The digests are FNV-1a: not cryptographic. A submission could only collide on purpose
/// by building the same module tree with other initial values of the same digest, which
/// trains a network of the same architecture from another start — no advantage to gain.
#include <string>

#include <nnkit/nn/module.hpp>

namespace probe {

/// The threads of this process now, nnkit's worker pool started first: measured before a
/// network is built, for model_fingerprint.
long threads_before_construction();

/// The fingerprint of `model` and of this process, as text (one fact per line);
/// `threads_before` is threads_before_construction() from before `model` was built.
std::string model_fingerprint(const nnkit::nn::Module& model, long threads_before);

}  // namespace probe
