// Preparing the split for the sandbox: see prepared_data.hpp.
#include "prepared_data.hpp"

#include <unistd.h>

#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <xtensor/xoperation.hpp>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/data/idx.hpp>
#include <nnkit/error.hpp>

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

/// The split's arrays with the names of their IDX files, in TrainValTestSplit's order: the
/// first kSandboxFiles are what probes read; y_test, last, only an exported split holds.
template <typename Split>  // TrainValTestSplit, const or not
auto named_arrays(Split& split) {
  using Array = std::conditional_t<std::is_const_v<Split>, const xt::xarray<std::uint8_t>,
                                   xt::xarray<std::uint8_t>>;
  return std::array<std::pair<const char*, Array*>, 6>{{{"X_train.idx", &split.X_train},
                                                        {"y_train.idx", &split.y_train},
                                                        {"X_val.idx", &split.X_val},
                                                        {"y_val.idx", &split.y_val},
                                                        {"X_test.idx", &split.X_test},
                                                        {"y_test.idx", &split.y_test}}};
}
constexpr std::size_t kSandboxFiles = 5;

/// Reads what export_split wrote into `dir`; throws nnkit::Error naming the file when one
/// is missing, damaged, or of another size than the manifest's split (an export made for
/// another manifest).
nnkit::data::TrainValTestSplit read_exported_split(const std::filesystem::path& dir,
                                                   const nnkit::data::SplitSizes& sizes) {
  nnkit::data::TrainValTestSplit split;
  const std::size_t rows[] = {sizes.train_size, sizes.train_size, sizes.validation_size,
                              sizes.validation_size, sizes.test_size, sizes.test_size};
  const auto arrays = named_arrays(split);
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const auto& [name, array] = arrays[i];
    const auto path = dir / name;
    *array = nnkit::data::read_idx(path);  // names the file when it is missing or damaged
    const bool images = name[0] == 'X';
    const std::vector<std::size_t> expected =
        images ? std::vector<std::size_t>{rows[i], 28, 28} : std::vector<std::size_t>{rows[i]};
    const std::vector<std::size_t> found(array->shape().begin(), array->shape().end());
    if (found != expected) {
      throw nnkit::Error(fmt::format(
          "{}: the exported split holds shape [{}], the manifest's split needs [{}]; export it "
          "again from this kit (`nnkit-grade export-split`, run by `make gradescope`)",
          path.string(), fmt::join(found, ", "), fmt::join(expected, ", ")));
    }
    if (!images && xt::any(*array > 9)) {
      throw nnkit::Error(fmt::format("{}: a label above 9; export the split again "
                                     "(`nnkit-grade export-split`)", path.string()));
    }
  }
  return split;
}

}  // namespace

bool is_exported_split(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / "y_test.idx", ec);
}

void export_split(const std::filesystem::path& dataset_dir, const nnkit::data::SplitSizes& sizes,
                  const std::filesystem::path& out_dir) {
  const auto split =
      nnkit::data::make_train_val_test_split(nnkit::data::load_fashion_mnist(dataset_dir), sizes);
  for (const auto& [name, array] : named_arrays(split)) {
    write_file_atomically(out_dir / name, idx_bytes(*array));
  }
}

PreparedData prepare_data(const std::filesystem::path& dataset_dir,
                          const nnkit::data::SplitSizes& sizes,
                          const std::filesystem::path& cache_dir) {
  const auto split =
      is_exported_split(dataset_dir)
          ? read_exported_split(dataset_dir, sizes)
          : nnkit::data::make_train_val_test_split(nnkit::data::load_fashion_mnist(dataset_dir), sizes);
  PreparedData prepared;
  prepared.dir = cache_dir / "data";
  for (const auto label : split.y_test) prepared.test_labels.push_back(label);
  std::string everything;
  const auto files = named_arrays(split);
  for (std::size_t i = 0; i < kSandboxFiles; ++i) {  // never y_test: the sandbox sees these
    const auto& [name, array] = files[i];
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
