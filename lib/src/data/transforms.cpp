#include <nnkit/data/transforms.hpp>

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nnkit/error.hpp>

namespace nnkit::data {

template <class T>
xt::xarray<T> normalize_pixels(const xt::xarray<std::uint8_t>& images) {
  xt::xarray<T> out = xt::xarray<T>::from_shape(images.shape());
  const std::uint8_t* src = images.data();
  T* dst = out.data();
  // Divide in double even for float: the homework divides in NumPy's float64 and only
  // then converts to float32, and rounding twice can differ from one float division.
  for (std::size_t i = 0, n = images.size(); i < n; ++i) {
    dst[i] = static_cast<T>(static_cast<double>(src[i]) / 255.0);
  }
  return out;
}

template <class T>
xt::xarray<T> flatten_images(const xt::xarray<T>& images) {
  if (images.dimension() < 2) {
    throw Error(fmt::format("flatten_images: got shape [{}]; expected [N, ...] with at least 2 "
                            "dimensions, e.g. [N, 28, 28]",
                            fmt::join(images.shape(), ", ")));
  }
  const std::size_t rows = images.shape()[0];
  std::size_t features = 1;
  for (std::size_t d = 1; d < images.dimension(); ++d) features *= images.shape()[d];
  xt::xarray<T> out = xt::xarray<T>::from_shape({rows, features});
  // xarray is row-major and contiguous, so [N, 28, 28] and [N, 784] share one layout.
  std::copy(images.data(), images.data() + images.size(), out.data());
  return out;
}

template <class T>
xt::xarray<T> one_hot(const xt::xarray<std::uint8_t>& labels, std::size_t num_classes) {
  if (labels.dimension() != 1) {
    throw Error(fmt::format("one_hot: got labels of shape [{}]; expected a vector [N] of class "
                            "indices", fmt::join(labels.shape(), ", ")));
  }
  if (num_classes == 0) {
    throw Error("one_hot: num_classes is 0; expected at least 1 (10 for Fashion-MNIST)");
  }
  const std::size_t n = labels.size();
  xt::xarray<T> out = xt::xarray<T>::from_shape({n, num_classes});
  std::fill(out.data(), out.data() + out.size(), T(0));
  const std::uint8_t* y = labels.data();
  T* dst = out.data();
  for (std::size_t i = 0; i < n; ++i) {
    if (y[i] >= num_classes) {
      throw Error(fmt::format("one_hot: label {} in row {} is out of range; expected a class "
                              "index in 0..{} (num_classes = {})",
                              static_cast<unsigned>(y[i]), i, num_classes - 1, num_classes));
    }
    dst[i * num_classes + y[i]] = T(1);  // [N, C] row-major
  }
  return out;
}

template xt::xarray<float> normalize_pixels<float>(const xt::xarray<std::uint8_t>&);
template xt::xarray<double> normalize_pixels<double>(const xt::xarray<std::uint8_t>&);
template xt::xarray<std::uint8_t> flatten_images<std::uint8_t>(const xt::xarray<std::uint8_t>&);
template xt::xarray<float> flatten_images<float>(const xt::xarray<float>&);
template xt::xarray<double> flatten_images<double>(const xt::xarray<double>&);
template xt::xarray<float> one_hot<float>(const xt::xarray<std::uint8_t>&, std::size_t);
template xt::xarray<double> one_hot<double>(const xt::xarray<std::uint8_t>&, std::size_t);

}  // namespace nnkit::data
