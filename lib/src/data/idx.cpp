#include <nnkit/data/idx.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <nnkit/error.hpp>

namespace nnkit::data {
namespace {

namespace fs = std::filesystem;

// Fashion-MNIST's largest file is 47 MB once inflated; a header that asks for more than
// this is corrupt, not a bigger dataset, and must not make us allocate gigabytes.
constexpr std::uint64_t kMaxPayloadBytes = std::uint64_t{1} << 31;
constexpr unsigned kMaxDims = 8;
constexpr std::uint8_t kUnsignedByte = 0x08;
// gzread takes an unsigned count; reading in chunks also means a lying header costs
// at most one chunk before the real end of the file shows up.
constexpr std::size_t kChunkBytes = std::size_t{4} << 20;

constexpr std::string_view kFixDamaged =
    "the file is damaged or not the original: run `make data` to verify the dataset "
    "(sizes and SHA-256), or re-create the file";

[[noreturn]] void fail(const fs::path& path, std::string_view problem,
                       std::string_view fix = kFixDamaged) {
  throw Error(fmt::format("nnkit::data::read_idx: {}: {}; fix: {}", path.string(), problem, fix));
}

/// Owns a zlib gzFile; gzread reads gzip'd and plain files alike.
class GzFile {
public:
  explicit GzFile(const fs::path& path) : file_(gzopen(path.c_str(), "rb")) {
    if (file_ == nullptr) {
      const int err = errno;
      fail(path,
           fmt::format("cannot open the file ({})",
                       err != 0 ? std::strerror(err) : "zlib could not allocate its state"),
           "check that the file is readable; for Fashion-MNIST run `make data`");
    }
    gzbuffer(file_, 1u << 17);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  ~GzFile() { gzclose(file_); }

  /// Reads up to n bytes; fewer means the stream ended. Stream errors are checked by
  /// check_stream(), which the caller must run before trusting the count.
  std::size_t read(std::uint8_t* dst, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const auto want = static_cast<unsigned>(std::min(n - got, kChunkBytes));
      const int r = gzread(file_, dst + got, want);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

  /// Throws if zlib met an error: a corrupt deflate stream, a CRC mismatch, a cut file.
  void check_stream(const fs::path& path) {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (code == Z_OK) return;
    // zlib prefixes its message with the path we gave it; we name the path ourselves.
    std::string_view what = message != nullptr ? message : "";
    const std::string prefix = path.string() + ": ";
    if (what.starts_with(prefix)) what.remove_prefix(prefix.size());
    switch (code) {
      case Z_DATA_ERROR:
        fail(path, fmt::format("the gzip stream is corrupt (zlib: {}); expected a stream that "
                               "inflates with a matching CRC-32", what));
      case Z_BUF_ERROR:
        fail(path, fmt::format("the gzip stream ends early (zlib: {}); expected a complete .gz "
                               "file with its 8-byte trailer: the file is truncated", what));
      case Z_ERRNO:
        fail(path, fmt::format("read error ({})", std::strerror(errno)),
             "check the disk and the file's permissions; for Fashion-MNIST run `make data`");
      case Z_MEM_ERROR:
        fail(path, "zlib ran out of memory while inflating the file",
             "free some memory and try again");
      default:
        fail(path, fmt::format("zlib error {} ({})", code, what));
    }
  }

private:
  gzFile file_;
};

std::string_view type_name(std::uint8_t code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "";
  }
}

void check_is_readable_file(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    fail(path, fmt::format("cannot look at the file ({}); expected a readable IDX file",
                           ec.message()),
         "check the path and its folders' permissions; for Fashion-MNIST run `make data`");
  }
  if (!fs::exists(status)) {
    fail(path, "the file does not exist; expected a gzip'd or plain IDX file here",
         "check the path; for Fashion-MNIST run `make data` (it installs and verifies the "
         "dataset), or point FMNIST_DIR at a folder holding the four .gz files");
  }
  if (fs::is_directory(status)) {
    fail(path, "this is a folder; expected an IDX file",
         "pass the path of an IDX file (e.g. <folder>/train-images-idx3-ubyte.gz)");
  }
  if (!fs::is_regular_file(status)) {
    fail(path, "this is not a regular file (a device, socket or pipe); expected an IDX file",
         "pass the path of an IDX file");
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size == 0) {
    fail(path, "the file is empty (0 bytes); expected a gzip'd or plain IDX file");
  }
}

}  // namespace

xt::xarray<std::uint8_t> read_idx(const std::filesystem::path& path) {
  check_is_readable_file(path);
  GzFile file(path);

  // Magic number: 0x00 0x00 <type code> <number of dimensions>.
  std::uint8_t magic[4] = {};
  const std::size_t magic_got = file.read(magic, 4);
  file.check_stream(path);
  if (magic_got < 4) {
    fail(path, fmt::format("the IDX header is cut short: found {} byte(s), expected at least 4 "
                           "(the magic number)", magic_got));
  }
  const std::uint32_t magic_value = (std::uint32_t{magic[0]} << 24) |
                                    (std::uint32_t{magic[1]} << 16) |
                                    (std::uint32_t{magic[2]} << 8) | magic[3];
  if (magic[0] != 0 || magic[1] != 0) {
    const bool double_gzip = magic[0] == 0x1f && magic[1] == 0x8b;
    fail(path, fmt::format("wrong magic number 0x{:08X} ({}); expected 0x0000TTNN (two zero "
                           "bytes, type code, number of dimensions), e.g. 0x00000803 for images",
                           magic_value,
                           double_gzip ? "the file looks gzip'd twice" : "this is not an IDX file"));
  }
  const std::uint8_t type_code = magic[2];
  if (type_code != kUnsignedByte) {
    const std::string_view name = type_name(type_code);
    fail(path,
         fmt::format("{} type code 0x{:02X}{} in magic number 0x{:08X}; expected 0x08 "
                     "(unsigned byte), the type of MNIST and Fashion-MNIST files",
                     name.empty() ? "unknown" : "unsupported", type_code,
                     name.empty() ? std::string() : fmt::format(" ({})", name), magic_value),
         "nnkit reads unsigned-byte IDX files only: convert the file to type 0x08, or use "
         "the original dataset (`make data` verifies it)");
  }
  const unsigned ndims = magic[3];
  if (ndims == 0 || ndims > kMaxDims) {
    fail(path, fmt::format("{} dimensions in magic number 0x{:08X}; expected 1 to {} dimensions "
                           "(1 for labels, 3 for images)", ndims, magic_value, kMaxDims));
  }

  // Dimensions: big-endian uint32 each.
  std::uint8_t dim_bytes[4 * kMaxDims] = {};
  const std::size_t dims_got = file.read(dim_bytes, 4 * ndims);
  file.check_stream(path);
  if (dims_got < 4 * ndims) {
    fail(path, fmt::format("the IDX header is cut short: found {} byte(s) of dimensions, expected "
                           "{} ({} dimensions x 4 bytes)", dims_got, 4 * ndims, ndims));
  }
  std::vector<std::size_t> shape(ndims);
  for (unsigned d = 0; d < ndims; ++d) {
    const std::uint8_t* b = dim_bytes + 4 * d;
    shape[d] = (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) |
               (std::size_t{b[2]} << 8) | std::size_t{b[3]};
  }
  for (unsigned d = 0; d < ndims; ++d) {
    if (shape[d] == 0) {
      fail(path, fmt::format("dimension {} of [{}] is zero; expected every dimension >= 1",
                             d, fmt::join(shape, ", ")));
    }
  }
  std::uint64_t payload_bytes = 1;
  for (const std::size_t dim : shape) {
    if (payload_bytes > std::numeric_limits<std::uint64_t>::max() / dim) {
      fail(path, fmt::format("dimensions [{}] overflow a 64-bit byte count; expected a size of "
                             "at most {} bytes: the header is corrupt",
                             fmt::join(shape, ", "), kMaxPayloadBytes));
    }
    payload_bytes *= dim;
  }
  if (payload_bytes > kMaxPayloadBytes) {
    fail(path, fmt::format("dimensions [{}] declare {} bytes; expected at most {} bytes "
                           "(Fashion-MNIST's largest file holds 47,040,000): the header is "
                           "corrupt", fmt::join(shape, ", "), payload_bytes, kMaxPayloadBytes));
  }

  // Payload, grown chunk by chunk so that a header lying about the size cannot make us
  // allocate far more than the file holds.
  std::vector<std::uint8_t> payload;
  payload.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(payload_bytes, kChunkBytes)));
  std::size_t got = 0;
  while (got < payload_bytes) {
    const std::size_t want = std::min<std::size_t>(payload_bytes - got, kChunkBytes);
    payload.resize(got + want);
    const std::size_t n = file.read(payload.data() + got, want);
    got += n;
    if (n < want) break;
  }
  file.check_stream(path);
  if (got < payload_bytes) {
    fail(path, fmt::format("the payload is truncated: expected {} bytes after the {}-byte header "
                           "(dimensions [{}]), found {}", payload_bytes, 4 + 4 * ndims,
                           fmt::join(shape, ", "), got));
  }

  // The file must end here: extra bytes mean the header and the data disagree.
  std::vector<std::uint8_t> extra(std::size_t{1} << 16);
  std::size_t trailing = 0;
  bool capped = false;
  for (;;) {
    const std::size_t n = file.read(extra.data(), extra.size());
    trailing += n;
    if (n < extra.size()) break;
    if (trailing >= (std::size_t{1} << 20)) {
      capped = true;
      break;
    }
  }
  file.check_stream(path);
  if (trailing > 0) {
    fail(path, fmt::format("{}{} trailing byte(s) after the {}-byte payload of dimensions [{}]; "
                           "expected the file to end there", capped ? "at least " : "", trailing,
                           payload_bytes, fmt::join(shape, ", ")));
  }

  xt::xarray<std::uint8_t> result = xt::xarray<std::uint8_t>::from_shape(shape);
  std::copy(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(payload_bytes),
            result.data());
  return result;
}

}  // namespace nnkit::data
