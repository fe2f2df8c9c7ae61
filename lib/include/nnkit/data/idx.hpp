#pragma once
/// The IDX file format of MNIST and Fashion-MNIST (what NumPy code reads with
/// `np.frombuffer(gzip.open(path).read(), np.uint8, offset=...)`), checked byte by byte.
///
/// An IDX file is: two zero bytes, a type code (0x08 = unsigned byte), the number of
/// dimensions, each dimension as a big-endian uint32, then prod(dims) values, row-major.
/// The file may be gzip'd (as Debian ships Fashion-MNIST) or plain.
#include <cstdint>
#include <filesystem>

#include <xtensor/xarray.hpp>

namespace nnkit::data {

/// Reads an unsigned-byte IDX file (gzip'd or plain) into an array of the file's shape,
/// e.g. [60000, 28, 28] for images and [60000] for labels.
///
/// Throws nnkit::Error naming the file, what was expected, what was found and how to fix
/// it, for: a missing, unreadable or empty file, a folder, a corrupt or cut gzip stream,
/// a wrong magic number, a type code other than 0x08, no or zero dimensions, a size that
/// overflows, and a payload that is shorter or longer than prod(dims) bytes.
xt::xarray<std::uint8_t> read_idx(const std::filesystem::path& path);

}  // namespace nnkit::data
