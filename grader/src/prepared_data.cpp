// Preparing the split for the sandbox: see prepared_data.hpp.
#include "prepared_data.hpp"

#include <unistd.h>

#include <cstdint>
#include <fstream>

#include <fmt/format.h>

#include <nnkit/data/fashion_mnist.hpp>

#include "kit.hpp"

namespace grader {
namespace {

/// An unsigned-byte IDX file: 0x00 0x00 0x08 ndim, big-endian dims, the bytes.
std::string idx_bytes(const xt::xarray<std::uint8_t>& a) {
  std::string bytes = {0, 0, 8, static_cast<char>(a.dimension())};
  for (const auto d : a.shape()) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  bytes.append(reinterpret_cast<const char*>(a.data()), a.size());
  return bytes;
}

}  // namespace

PreparedData prepare_data(const std::filesystem::path& dataset_dir,
                          const nnkit::data::SplitSizes& sizes,
                          const std::filesystem::path& cache_dir) {
  const auto split =
      nnkit::data::make_train_val_test_split(nnkit::data::load_fashion_mnist(dataset_dir), sizes);
  PreparedData prepared;
  prepared.dir = cache_dir / "data";
  for (const auto label : split.y_test) prepared.test_labels.push_back(label);
  const std::pair<const char*, const xt::xarray<std::uint8_t>*> files[] = {
      {"X_train.idx", &split.X_train}, {"y_train.idx", &split.y_train},
      {"X_val.idx", &split.X_val},     {"y_val.idx", &split.y_val},
      {"X_test.idx", &split.X_test}};
  std::string everything;
  for (const auto& [name, array] : files) {
    const auto path = prepared.dir / name;
    const std::string bytes = idx_bytes(*array);
    everything += name + bytes;
    // Compared byte for byte, never by date or size alone: a cache made from another
    // dataset of the same shape must be replaced, not reused.
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) == bytes.size() && read_file(path) == bytes) continue;
    write_file_atomically(path, bytes);
  }
  for (const auto label : prepared.test_labels) everything += static_cast<char>(label);
  prepared.checksum = digest(everything);
  return prepared;
}

double accuracy_of(const std::vector<double>& predicted, const std::vector<int>& labels) {
  if (predicted.size() != labels.size() || labels.empty()) return 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i];
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

}  // namespace grader
