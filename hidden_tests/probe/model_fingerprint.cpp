// The fingerprint of a freshly built network and of its process: see model_fingerprint.hpp.
#include "model_fingerprint.hpp"

#include <signal.h>
#include <sys/time.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <typeinfo>

#include <cblas.h>
#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/kernels/parallel.hpp>
#include <nnkit/random/generator.hpp>
#include <nnkit/tensor_impl.hpp>

namespace probe {
namespace {

/// 64-bit FNV-1a over `size` bytes, continuing from `hash`.
std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t hash = 14695981039346656037ULL) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

/// "Conv2d N5nnkit2nn6Conv2dE" for `module` and its children, depth first, one per line.
void module_types(const nnkit::nn::Module& module, const std::string& path, std::string& out) {
  out += fmt::format("module {} {}\n", path.empty() ? "(root)" : path, typeid(module).name());
  for (const auto& [name, child] : module.named_children()) {
    module_types(*child, path.empty() ? name : path + "." + name, out);
  }
}

/// One line per tensor: what training reads of it.
void tensor_lines(const char* kind, const nnkit::nn::NamedTensors& tensors, std::string& out,
                  std::set<const void*>& storages, bool& shared) {
  for (const auto& [name, tensor] : tensors) {
    double sum = 0;
    for (std::int64_t i = 0; i < tensor.numel(); ++i) sum += tensor.data()[i];
    const auto digest = fnv1a(tensor.data(), sizeof(float) * static_cast<std::size_t>(tensor.numel()));
    out += fmt::format("{} {} shape={} dtype={} requires_grad={} leaf={} grad={} sum={:a} fnv={:016x}\n",
                       kind, name, nnkit::to_string(tensor.shape()), static_cast<int>(tensor.dtype()),
                       tensor.requires_grad(), tensor.is_leaf(), tensor.grad().defined(), sum, digest);
    if (!storages.insert(tensor.impl()->storage.get()).second) shared = true;
  }
}

/// The threads of this process (entries of /proc/self/task), or -1 when unreadable.
long thread_count() {
  std::error_code ec;
  long count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return ec ? -1 : count;
}

}  // namespace

long threads_before_construction() {
  nnkit::kernels::num_worker_threads();  // starts the pool's workers, if they are not yet
  return thread_count();
}

std::string model_fingerprint(const nnkit::nn::Module& model, long threads_before) {
  std::string out;
  module_types(model, "", out);
  out += "repr " + model.repr() + "\n";
  std::set<const void*> storages;
  bool shared = false;
  tensor_lines("parameter", model.named_parameters(), out, storages, shared);
  tensor_lines("buffer", model.named_buffers(), out, storages, shared);
  out += fmt::format("shared_storage {}\n", shared);

  // The default generator's stream: 624 draws of a copy determine MT19937's whole state.
  nnkit::Generator copy;
  copy.set_state(nnkit::default_generator().get_state());
  std::uint64_t stream = 14695981039346656037ULL;
  for (int i = 0; i < 624; ++i) {
    const std::uint32_t draw = copy.random();
    stream = fnv1a(&draw, sizeof draw, stream);
  }
  const auto state = nnkit::default_generator().get_state();
  out += fmt::format("generator seed={} draws={} next_normal={} stream={:016x}\n",
                     nnkit::default_generator().initial_seed(), state.draws,
                     state.next_normal ? fmt::format("{:a}", *state.next_normal) : "none", stream);
  out += fmt::format("threads openblas={} started_by_construction={}\n", openblas_get_num_threads(),
                     thread_count() - threads_before);
  out += fmt::format("grad_enabled {}\n", nnkit::is_grad_enabled());

  std::string handlers;
  for (int signal = 1; signal < NSIG; ++signal) {
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    if (sigaction(signal, nullptr, &action) != 0) continue;
    const bool custom = (action.sa_flags & SA_SIGINFO) ? action.sa_sigaction != nullptr
                                                        : action.sa_handler != SIG_DFL;
    if (custom) handlers += fmt::format(" {}", signal);
  }
  out += "signal_handlers" + (handlers.empty() ? std::string(" none") : handlers) + "\n";
  std::string timers;
  for (const int which : {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF}) {
    itimerval value{};
    if (getitimer(which, &value) == 0 && (value.it_value.tv_sec || value.it_value.tv_usec)) {
      timers += fmt::format(" {}", which);
    }
  }
  // POSIX timers (timer_create), where the kernel lists them (proc files report size 0:
  // read a line)
  std::ifstream posix_timers("/proc/self/timers");
  std::string line;
  if (posix_timers && std::getline(posix_timers, line) && !line.empty()) timers += " posix";
  out += "timers" + (timers.empty() ? std::string(" none") : timers) + "\n";
  return out;
}

}  // namespace probe
