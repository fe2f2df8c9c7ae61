#pragma once
/// Umbrella header: `#include <nnkit/nnkit.hpp>` gives the whole library.
#include <nnkit/error.hpp>
#include <nnkit/version.hpp>
