// The library's version string, so a program can say which nnkit it was built with.
#include <nnkit/version.hpp>

namespace nnkit {
const char* version() { return "0.1.0"; }
}  // namespace nnkit
