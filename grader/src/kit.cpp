// Loading the staged kit: see kit.hpp.
#include "kit.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "sandbox.hpp"

namespace grader {

std::string digest(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read {}", path.string()));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_file_atomically(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path().empty() ? "." : path.parent_path());
  const auto temporary = path.string() + fmt::format(".tmp{}", getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.flush();
    if (!out) throw Error(fmt::format("cannot write {}", temporary));
  }
  std::filesystem::rename(temporary, path);
}

std::filesystem::path default_kit_dir() {
  if (const char* dir = std::getenv("NNKIT_GRADER_KIT"); dir && *dir) return dir;
  return NNKIT_GRADER_KIT_DIR;
}

Kit load_kit(const std::filesystem::path& root) {
  const auto manifest = root / "kit.json";
  if (!std::filesystem::exists(manifest)) {
    throw Error(fmt::format("no grader kit at {} (kit.json missing): `make build` stages it; "
                            "--kit DIR or NNKIT_GRADER_KIT point elsewhere",
                            root.string()));
  }
  // Its solution, manifest and probes are secrets: hidden even from a sandbox that would
  // see the kit's folder (a kit installed under /usr).
  hide_from_sandbox(root);
  Kit kit;
  kit.root = root;
  const std::string text = read_file(manifest);
  try {
    const auto j = nlohmann::json::parse(text);
    kit.include_dir = root / j.at("include_dir").get<std::string>();
    kit.lib_dir = root / j.at("lib_dir").get<std::string>();
    kit.manifest = root / j.at("manifest").get<std::string>();
    kit.solution_dir = root / j.at("solution_dir").get<std::string>();
    kit.handout_dir = root / j.at("handout_dir").get<std::string>();
    kit.compiler = j.at("compiler").get<std::string>();
    kit.compile_flags = j.at("compile_flags").get<std::vector<std::string>>();
    kit.kit_libraries = j.at("kit_libraries").get<std::vector<std::string>>();
    kit.system_libraries = j.at("system_libraries").get<std::vector<std::string>>();
    // value() returns a temporary: keep it alive while its items() are walked
    const auto sandbox_env = j.value("sandbox_env", nlohmann::json::object());
    for (const auto& [k, v] : sandbox_env.items()) {
      kit.sandbox_env.emplace_back(k, v.get<std::string>());
    }
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}", manifest.string(), e.what()));
  }
  std::string everything = text + read_file(kit.manifest);
  // Every library (the kit's and each part's probes) and header: a changed header must
  // not reuse parts compiled against the old one.
  std::vector<std::filesystem::path> files;
  for (const auto& dir : {kit.lib_dir, kit.include_dir}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) everything += file.string() + read_file(file);
  kit.fingerprint = digest(everything);
  return kit;
}

}  // namespace grader
