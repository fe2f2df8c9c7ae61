#pragma once
/// nnkit's version, e.g. "0.1.0".
namespace nnkit {
const char* version();
}  // namespace nnkit
