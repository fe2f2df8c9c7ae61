#pragma once
/// Batch-normalisation kernels: free functions over a contiguous float buffer viewed as
/// [N, C, HW] (NCHW with the spatial dimensions flattened; HW = 1 for [N, C] input).
/// They follow torch 1.13's CPU kernels (ATen/native/Normalization.cpp and
/// cpu/batch_norm_kernel.cpp): statistics accumulated in double, the output as
/// x · alpha[c] + beta[c], and the backward through the saved mean and 1/sqrt(var + eps).
#include <cstdint>

#include <nnkit/kernels/dropout.hpp>

namespace nnkit::kernels {

/// Per-channel mean, *biased* variance (divide by N·HW) and, when `unbiased_var` is not
/// null, unbiased variance (divide by N·HW − 1, needs N·HW ≥ 2) of x [N, C, HW]; each
/// output has C entries; the caller needs N·HW ≥ 1. Rounded as torch's CPU kernel rounds
/// them, so that results agree bit for bit: the sum in double, the mean rounded to float32
/// (torch's save_mean), squared deviations from that float mean (float32 products) summed
/// in double, that sum rounded to float32 and divided in float32.
void batch_norm_stats(const float* x, std::int64_t n, std::int64_t c, std::int64_t hw,
                      float* mean, float* biased_var, float* unbiased_var = nullptr);

/// y[n, c, i] = (x[n, c, i] − mean[c]) · invstd[c] · weight[c] + bias[c], computed as
/// x · alpha + beta with alpha = invstd·weight, beta = bias − mean·alpha (torch's form).
/// `weight` / `bias` may be null (1 and 0: affine=False). `y` may alias `x`. With a
/// `dropout` mask (inverted dropout fused after the normalisation, functional::
/// batch_norm_dropout), y is then multiplied by kept · scale, as functional::dropout would.
void batch_norm_forward(const float* x, std::int64_t n, std::int64_t c, std::int64_t hw,
                        const float* mean, const float* invstd, const float* weight,
                        const float* bias, float* y, DropoutMask dropout = {});

/// Backward of batch_norm_forward given dL/dy [N, C, HW]. `mean`/`invstd` are the values
/// the forward used: the batch statistics when `training` (then the mean and variance
/// depend on x, and dL/dx = (dy − mean(dy) − x̂·mean(dy·x̂)) · invstd · w), the running
/// statistics otherwise (dL/dx = dy · invstd · w). grad_weight[c] = Σ dy·x̂,
/// grad_bias[c] = Σ dy. Any of grad_x, grad_weight, grad_bias may be null (not wanted);
/// `weight` may be null (1). With a `dropout` mask, `grad_y` is the gradient of the
/// dropout's output and dL/dy = grad_y · kept · scale.
void batch_norm_backward(const float* grad_y, const float* x, std::int64_t n, std::int64_t c,
                         std::int64_t hw, const float* mean, const float* invstd,
                         const float* weight, bool training, float* grad_x, float* grad_weight,
                         float* grad_bias, DropoutMask dropout = {});

}  // namespace nnkit::kernels
