#pragma once
/// Umbrella header: `#include <nnkit/nnkit.hpp>` gives the whole library.
#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/kernels/gemm.hpp>
#include <nnkit/tensor.hpp>
#include <nnkit/version.hpp>
