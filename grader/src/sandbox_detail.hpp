#pragma once
/// What the sandbox's files share (sandbox.cpp and sandbox_*.cpp; sandbox.hpp is their
/// public face): what more than one of them needs and no one concept owns. Only those
/// files include it, and the internal headers beside it (the other sandbox_*.hpp but
/// sandbox_seccomp.hpp), whose names live in grader::sandbox_detail too.
#include <cstddef>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "sandbox.hpp"

namespace grader::sandbox_detail {

namespace fs = std::filesystem;

/// `bytes` in MiB, for messages: "270 MiB".
inline std::string mib(std::size_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace grader::sandbox_detail
