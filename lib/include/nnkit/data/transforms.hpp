#pragma once
/// The homework's preprocessing: pixels / 255, images flattened to 784 features, labels
/// one-hot. Defined for T = float and double (explicitly instantiated in transforms.cpp).
#include <cstddef>
#include <cstdint>

#include <xtensor/xarray.hpp>

namespace nnkit::data {

/// NumPy's `X / 255` on uint8 images: every pixel divided by 255.0 in float64, then
/// (for T = float) rounded to float32 as `torch.tensor(X, dtype=torch.float32)` does.
/// Any shape; the result has the same shape.
template <class T = double>
xt::xarray<T> normalize_pixels(const xt::xarray<std::uint8_t>& images);

/// `X.reshape(N, -1)`: [N, d1, d2, ...] -> [N, d1*d2*...], e.g. [N, 28, 28] -> [N, 784].
/// Defined for T = std::uint8_t, float and double. Throws nnkit::Error for fewer than 2 dims.
template <class T>
xt::xarray<T> flatten_images(const xt::xarray<T>& images);

/// `np.eye(num_classes)[labels]`: labels [N] -> [N, num_classes] with a 1 in column
/// labels[i]. Throws nnkit::Error naming the row and value of a label >= num_classes.
template <class T = double>
xt::xarray<T> one_hot(const xt::xarray<std::uint8_t>& labels, std::size_t num_classes = 10);

extern template xt::xarray<float> normalize_pixels<float>(const xt::xarray<std::uint8_t>&);
extern template xt::xarray<double> normalize_pixels<double>(const xt::xarray<std::uint8_t>&);
extern template xt::xarray<std::uint8_t> flatten_images<std::uint8_t>(
    const xt::xarray<std::uint8_t>&);
extern template xt::xarray<float> flatten_images<float>(const xt::xarray<float>&);
extern template xt::xarray<double> flatten_images<double>(const xt::xarray<double>&);
extern template xt::xarray<float> one_hot<float>(const xt::xarray<std::uint8_t>&, std::size_t);
extern template xt::xarray<double> one_hot<double>(const xt::xarray<std::uint8_t>&, std::size_t);

}  // namespace nnkit::data
