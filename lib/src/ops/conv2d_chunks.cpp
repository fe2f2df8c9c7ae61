// The chunked im2col + sgemm engine (conv2d_chunks.hpp).
#include "conv2d_chunks.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/kernels/gemm.hpp>
#include <nnkit/kernels/parallel.hpp>

namespace nnkit::functional::conv2d_chunks {

namespace {

// How the batch is cut for the GEMMs: `chunks` groups of `images` consecutive images
// (the last may be shorter). One chunk's columns and GEMM output are about
// kChunkFloats floats: small enough to stay in a core's L2 cache (1 MB on this project's
// 2-core EPYC, 512 KB–2 MB on current x86 cores) between im2col writing the columns and
// sgemm packing them, wide enough (N = images·OH·OW columns) for sgemm to run near its peak.
// It depends on the shapes alone, never on the thread count, so every sum is taken in the
// same order.
//
// The chunk size is part of the numerics, not only of the speed: OpenBLAS's sgemm gives
// other last bits for another N (measured: even a 32 x 9 x N product differs in ~1 % of
// its elements when N is cut differently), and the weight gradient is summed chunk by
// chunk. Measured on the CNN's four convolutions (bench/cnn_layer_times, 2000 images, 2
// threads): forward + backward ~2.3–2.6 s with 8 MB chunks, ~1.8–2.0 s with 0.5–1 MB.
// So a change here moves the accuracy of any CNN trained with nnkit by a few test images
// (a four-block CNN, 60 full-batch Adam epochs on 2000 Fashion-MNIST images: 0.855 with
// 512 KB chunks, 0.860 with 8 MB, 0.840 with 1 MB): a course built on nnkit re-checks its
// reference runs against its thresholds after any change (the kit: `make validate`).
constexpr std::int64_t kChunkFloats = std::int64_t{128} << 10;  // 512 KB per thread

Chunking cut_batch(const kernels::Window2d& g, std::int64_t batch, std::int64_t out_channels) {
  const std::int64_t per_image = (g.column_rows() + out_channels) * g.column_cols();
  const std::int64_t max_images = std::max<std::int64_t>(1, kChunkFloats / std::max<std::int64_t>(per_image, 1));
  std::int64_t chunks = (batch + max_images - 1) / max_images;
  // A multiple of 4 chunks keeps 2 or 4 threads equally busy.
  chunks = std::min(batch, (chunks + 3) / 4 * 4);
  const std::int64_t images = chunks == 0 ? 0 : (batch + chunks - 1) / chunks;
  return {images, images == 0 ? 0 : (batch + images - 1) / images};
}

// Weight-gradient partial sums: at most this many, each over consecutive chunks, added in
// order at the end. Bounds their memory for any batch size.
constexpr std::int64_t kMaxPartials = 16;

// Per-thread scratch that grows to the largest chunk seen and is then reused: the
// column matrices of every convolution in every step live here, not in fresh allocations.
float* scratch(int slot, std::int64_t floats) {
  thread_local std::vector<float> buffers[2];
  auto& buffer = buffers[slot];
  if (static_cast<std::int64_t>(buffer.size()) < floats) buffer.resize(floats);
  return buffer.data();
}

}  // namespace

kernels::Window2d window(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                Pair stride, Pair padding) {
  if (input.dim() != 4) {
    throw Error(fmt::format("conv2d: expected a 4-D input [N, C, H, W], got {} ({}-D){}",
                            to_string(input.shape()), input.dim(),
                            input.dim() == 3 ? "; add the batch dimension with "
                                               "reshape({1, C, H, W})" : ""));
  }
  if (weight.dim() != 4) {
    throw Error(fmt::format("conv2d: expected a 4-D weight [Cout, Cin, KH, KW], got {}",
                            to_string(weight.shape())));
  }
  const Shape& x = input.shape();
  const Shape& w = weight.shape();
  if (std::any_of(w.begin(), w.end(), [](std::int64_t d) { return d <= 0; })) {
    throw Error(fmt::format("conv2d: weight {} has an empty dimension; expected [Cout, Cin, "
                            "KH, KW] all positive", to_string(w)));
  }
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != w[0])) {
    throw Error(fmt::format("conv2d: bias {} does not fit weight {}; expected [{}]",
                            to_string(bias.shape()), to_string(w), w[0]));
  }
  if (stride.first <= 0 || stride.second <= 0) {
    throw Error(fmt::format("conv2d: stride ({}, {}) must be positive", stride.first,
                            stride.second));
  }
  if (padding.first < 0 || padding.second < 0) {
    throw Error(fmt::format("conv2d: padding ({}, {}) must be non-negative", padding.first,
                            padding.second));
  }
  if (x[1] != w[1]) {
    throw Error(fmt::format("conv2d: input {} has {} channels, weight {} expects {}",
                            to_string(x), x[1], to_string(w), w[1]));
  }
  const std::int64_t padded_h = x[2] + 2 * padding.first, padded_w = x[3] + 2 * padding.second;
  if (w[2] > padded_h || w[3] > padded_w) {
    throw Error(fmt::format("conv2d: kernel {}x{} of weight {} is larger than the padded "
                            "input {}x{} (input {}, padding ({}, {}))", w[2], w[3], to_string(w),
                            padded_h, padded_w, to_string(x), padding.first, padding.second));
  }
  kernels::Window2d result;
  result.channels = x[1];
  result.height = x[2];
  result.width = x[3];
  result.kernel_h = w[2];
  result.kernel_w = w[3];
  result.stride_h = stride.first;
  result.stride_w = stride.second;
  result.pad_h = padding.first;
  result.pad_w = padding.second;
  return result;
}


Plan::Plan(const kernels::Window2d& window, std::int64_t batch_, std::int64_t out_channels_)
    : g(window), batch(batch_), out_channels(out_channels_), cut(cut_batch(window, batch_, out_channels_)) {}

void forward(const Plan& plan, const float* input, const float* weight, const ChunkFn& epilogue) {
  const kernels::Window2d& g = plan.g;
  const std::int64_t rows = g.column_rows(), cols = g.column_cols();  // Cin·KH·KW, OH·OW
  const std::int64_t image_size = g.channels * g.height * g.width;
  kernels::parallel_for(plan.cut.chunks, [&](std::int64_t chunk) {
    const std::int64_t first = chunk * plan.cut.images;
    const std::int64_t images = std::min(plan.cut.images, plan.batch - first);
    const std::int64_t width = images * cols;  // N of this chunk's GEMM
    float* columns = scratch(0, rows * width);
    float* product = scratch(1, plan.out_channels * width);
    for (std::int64_t i = 0; i < images; ++i) {
      kernels::im2col(input + (first + i) * image_size, g, columns + i * cols, width);
    }
    // [Cout, Cin·KH·KW] x [Cin·KH·KW, images·OH·OW] -> [Cout, images·OH·OW]
    kernels::gemm(false, false, plan.out_channels, width, rows, 1.0f, weight, rows, columns,
                  width, 0.0f, product, width);
    epilogue(first, images, product, width);
  });
}

std::vector<Tensor> backward(const Plan& plan, const Tensor& input, const Tensor& weight,
                             bool grad_input, bool grad_weight, bool grad_bias,
                             const ChunkFn& gather_grad) {
  const kernels::Window2d& g = plan.g;
  const Chunking& cut = plan.cut;
  const std::int64_t out_channels = plan.out_channels;
  const std::int64_t rows = g.column_rows(), cols = g.column_cols();
  const std::int64_t image_size = g.channels * g.height * g.width;
  const std::int64_t weight_size = out_channels * rows;
  const std::int64_t partials = std::min(cut.chunks, kMaxPartials);
  Tensor dx = grad_input ? Tensor::empty(input.shape()) : Tensor();
  Tensor dw = grad_weight ? Tensor::empty(weight.shape()) : Tensor();
  Tensor db = grad_bias ? Tensor::empty({out_channels}) : Tensor();
  // Partial dW and db of each group of chunks, summed in group order below.
  std::vector<float> dw_parts(grad_weight ? partials * weight_size : 0);
  std::vector<double> db_parts(grad_bias ? partials * out_channels : 0, 0.0);
  const float* x = input.data();
  const float* w = weight.data();
  kernels::parallel_for(partials, [&](std::int64_t part) {
    const kernels::Range1d range = kernels::split_range(cut.chunks, partials, part);
    for (std::int64_t chunk = range.begin; chunk < range.end; ++chunk) {
      const std::int64_t first = chunk * cut.images;
      const std::int64_t images = std::min(cut.images, plan.batch - first);
      const std::int64_t width = images * cols;
      float* columns = scratch(0, rows * width);
      float* grad = scratch(1, out_channels * width);
      gather_grad(first, images, grad, width);  // [Cout, images·OH·OW]
      if (grad_bias) {
        double* sums = db_parts.data() + part * out_channels;
        // A row sums images·OH·OW values of both signs: float32 would lose ~1e-5 of it.
        for (std::int64_t o = 0; o < out_channels; ++o) {
          const float* row = grad + o * width;
          double sum = 0.0;
          for (std::int64_t p = 0; p < width; ++p) sum += row[p];
          sums[o] += sum;
        }
      }
      if (grad_weight) {
        for (std::int64_t i = 0; i < images; ++i) {
          kernels::im2col(x + (first + i) * image_size, g, columns + i * cols, width);
        }
        // [Cout, images·OH·OW] x [images·OH·OW, Cin·KH·KW] -> [Cout, Cin·KH·KW], summed over
        // the group's chunks (beta = 1 after its first)
        kernels::gemm(false, true, out_channels, rows, width, 1.0f, grad, width, columns, width,
                      chunk == range.begin ? 0.0f : 1.0f, dw_parts.data() + part * weight_size,
                      rows);
      }
      if (grad_input) {
        // [Cin·KH·KW, Cout] x [Cout, images·OH·OW] -> [Cin·KH·KW, images·OH·OW]
        kernels::gemm(true, false, rows, width, out_channels, 1.0f, w, rows, grad, width, 0.0f,
                      columns, width);
        for (std::int64_t i = 0; i < images; ++i) {
          float* image = dx.data() + (first + i) * image_size;
          std::fill_n(image, image_size, 0.0f);
          kernels::col2im(columns + i * cols, g, image, width);
        }
      }
    }
  });
  if (grad_weight) {
    float* out = dw.data();
    std::fill_n(out, weight_size, 0.0f);  // stays zero for an empty batch
    for (std::int64_t part = 0; part < partials; ++part) {
      const float* src = dw_parts.data() + part * weight_size;
      for (std::int64_t k = 0; k < weight_size; ++k) out[k] += src[k];
    }
  }
  if (grad_bias) {
    for (std::int64_t o = 0; o < out_channels; ++o) {
      double sum = 0.0;
      for (std::int64_t part = 0; part < partials; ++part) sum += db_parts[part * out_channels + o];
      db.data()[o] = static_cast<float>(sum);
    }
  }
  return {dx, dw, db};
}

}  // namespace nnkit::functional::conv2d_chunks
