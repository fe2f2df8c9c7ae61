// The folders a sandbox never shows: see sandbox.hpp.
#include "sandbox_hidden.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "error.hpp"

namespace grader {
using namespace sandbox_detail;

namespace sandbox_detail {

std::mutex& hidden_mutex() {
  static std::mutex m;
  return m;
}

std::set<fs::path>& hidden_folders() {
  static std::set<fs::path> folders = [] {
    std::set<fs::path> seed;
    std::error_code ec;
    const char* fmnist_dir = std::getenv("FMNIST_DIR");
    for (const char* dir : {"/usr/share/datasets", fmnist_dir}) {
      if (dir == nullptr || *dir == '\0') continue;
      const fs::path canonical = fs::weakly_canonical(dir, ec);
      if (!ec && canonical.has_relative_path()) seed.insert(canonical);
    }
    return seed;
  }();
  return folders;
}

bool strictly_under(const fs::path& path, const fs::path& folder) {
  const auto rel = path.lexically_relative(folder);
  return !rel.empty() && rel != "." && *rel.begin() != "..";
}

}  // namespace sandbox_detail

void hide_from_sandbox(const fs::path& folder) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(fs::absolute(folder), ec);
  if (ec) throw Error(fmt::format("cannot resolve {}: {}", folder.string(), ec.message()));
  for (const fs::path shown : {"/usr", "/etc"}) {
    if (canonical == shown || strictly_under(shown, canonical) || !canonical.has_relative_path()) {
      throw Error(fmt::format(
          "{} holds the grader's secrets (the kit, its cache or the dataset) and is {}: every "
          "sandbox sees /usr and /etc, and hiding them would hide the compiler too; put it in "
          "a folder of its own, e.g. under /srv or /var",
          folder.string(), canonical == shown ? shown.string() : "a folder above " + shown.string()));
    }
  }
  std::lock_guard<std::mutex> lock(hidden_mutex());
  hidden_folders().insert(canonical);
}

}  // namespace grader
