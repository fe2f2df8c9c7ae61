#pragma once
/// The folders a sandbox never shows (hide_from_sandbox, sandbox.hpp): bubblewrap covers
/// them with an empty tmpfs (sandbox_bubblewrap.cpp); the fallback checks they are closed
/// to its uid and stages binds without them (sandbox_fallback.cpp). Internal to the
/// sandbox's files (sandbox_detail.hpp).
#include <mutex>
#include <set>

#include "sandbox_detail.hpp"

namespace grader::sandbox_detail {

/// Held while hidden_folders() is read or changed.
std::mutex& hidden_mutex();

/// Canonical paths of the folders to hide; seeded with the places the dataset (and so the
/// held-out test labels) may be: Debian's package folder and $FMNIST_DIR.
std::set<fs::path>& hidden_folders();

/// Whether `path` lies in `folder` (below it, not `folder` itself), lexically.
bool strictly_under(const fs::path& path, const fs::path& folder);

}  // namespace grader::sandbox_detail
