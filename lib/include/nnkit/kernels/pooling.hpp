#pragma once
/// Max pooling over contiguous float buffers, torch's CPU kernel (cpu_max_pool) loop for
/// loop: padding counts as −inf (a padded position never wins), the first maximum of a
/// window wins ties, a NaN wins over any number. The output size comes from
/// conv_output_size (im2col.hpp), the one owner of the sliding-window formula.
#include <cstdint>

#include <nnkit/kernels/im2col.hpp>

namespace nnkit::kernels {

/// input [channels, height, width] -> output [channels, out_h, out_w], every plane pooled on
/// its own (channels = N·C for an NCHW batch). `indices` (same size as output, or null when
/// no backward will follow) receives each maximum's flat position h·width + w within its
/// plane, as torch's return_indices=True. Every window must overlap the image (padding <=
/// kernel / 2 guarantees it).
void max_pool2d_forward(const float* input, const Window2d& window, float* output,
                        std::int32_t* indices);

/// max_pool2d_forward without its SIMD path for 2x2 windows: one plain loop for every
/// window shape, bit for bit the same results. What builds without SSE2 (arm64) or with
/// -DNNKIT_SIMD=OFF run, and the reference the fast path is tested against.
void max_pool2d_forward_plain(const float* input, const Window2d& window, float* output,
                              std::int32_t* indices);

/// The adjoint: grad_input[c, indices[c, o]] = sum of grad_output[c, o] over the windows
/// whose maximum it was; every other element 0. Writes all of `grad_input` (it need not be
/// initialised).
void max_pool2d_backward(const float* grad_output, const std::int32_t* indices,
                         const Window2d& window, float* grad_input);

}  // namespace nnkit::kernels
