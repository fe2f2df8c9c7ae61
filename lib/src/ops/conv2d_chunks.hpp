#pragma once
// The chunked im2col + sgemm engine behind F.conv2d and the fused
// conv2d → relu → max_pool2d (ops/conv2d.cpp, ops/conv2d_relu_max_pool2d.cpp), Caffe's
// way: a chunk of images at a time, im2col of the chunk's images side by side into one
// reused column buffer [Cin·KH·KW, images·OH·OW], then one gemm with the weight. One image
// alone makes GEMMs too narrow to use the cores (layer 4 of the assignment's CNN: 256 x 9 x
// 1152); the whole batch would need gigabytes of columns. Chunks run in parallel, each on
// its own thread's scratch buffers, so memory stays at input + output + a few chunks however
// large the batch. Backward recomputes the columns from the saved input instead of keeping
// them, for the same reason.
//
// The two ops differ only in what happens to a chunk's GEMM output [Cout, images·OH·OW]:
// forward hands it to an epilogue (bias, or bias + ReLU + pooling), backward asks the op to
// lay the chunk's output gradient out in that same layout. Everything numeric (chunking,
// GEMM shapes, summation order of dW and db) is shared, so both give the same bits.
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <nnkit/kernels/im2col.hpp>
#include <nnkit/tensor.hpp>

namespace nnkit::functional::conv2d_chunks {

using Pair = std::pair<std::int64_t, std::int64_t>;

/// The one image's window of F.conv2d, validated: throws naming the op, the shapes and what
/// was expected.
kernels::Window2d window(const Tensor& input, const Tensor& weight, const Tensor& bias,
                         Pair stride, Pair padding);

/// How a batch is cut into chunks of consecutive images (conv2d_chunks.cpp says why).
struct Chunking {
  std::int64_t images, chunks;
};

/// One convolution's shapes: the window, the batch and the output channels, and the chunking
/// they imply (a function of the shapes alone, never of the thread count).
struct Plan {
  Plan(const kernels::Window2d& window, std::int64_t batch, std::int64_t out_channels);

  kernels::Window2d g;
  std::int64_t batch, out_channels;
  Chunking cut;
};

/// A chunk's images [first, first + images) and its GEMM-layout buffer [Cout, width] with
/// width = images·OH·OW: image i's plane of channel o starts at o·width + i·OH·OW.
using ChunkFn = std::function<void(std::int64_t first, std::int64_t images, float* buffer,
                                   std::int64_t width)>;

/// Forward: for each chunk, im2col + gemm with `weight` [Cout, Cin·KH·KW], then
/// `epilogue(first, images, product, width)` with the product (no bias) to write out.
/// Chunks run in parallel; the epilogue writes only its own images' outputs.
void forward(const Plan& plan, const float* input, const float* weight, const ChunkFn& epilogue);

/// Backward: for each chunk, `gather_grad(first, images, grad, width)` fills the chunk's
/// output gradient [Cout, width]; then dW, db and dX are computed from it as torch's
/// ConvolutionBackward0 does. Returns {dx, dw, db}, each undefined unless asked for.
std::vector<Tensor> backward(const Plan& plan, const Tensor& input, const Tensor& weight,
                             bool grad_input, bool grad_weight, bool grad_bias,
                             const ChunkFn& gather_grad);

}  // namespace nnkit::functional::conv2d_chunks
