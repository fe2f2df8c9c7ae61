// nnkit::data::read_idx against the fixtures of data/fixtures/make_fixtures.py:
// valid files read back with the shape and bytes the script wrote; every broken file
// throws nnkit::Error naming the file and the reason.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <nnkit/data/idx.hpp>
#include <nnkit/error.hpp>

#include "testing.hpp"

namespace fs = std::filesystem;
using nnkit::data::read_idx;
using nnkit::testing::contains;

namespace {

const fs::path kFixtures = NNKIT_FIXTURE_DIR;

nlohmann::json expected() {
  std::ifstream in(kFixtures / "expected.json");
  REQUIRE_MESSAGE(in.good(), "missing " << (kFixtures / "expected.json").string()
                                        << "; run /usr/bin/python3 data/fixtures/make_fixtures.py");
  return nlohmann::json::parse(in);
}

/// The message of the nnkit::Error read_idx throws for `path` (testing::error_message).
std::string error_of(const fs::path& path) {
  return nnkit::testing::error_message([&] { read_idx(path); });
}

}  // namespace

TEST_CASE("read_idx reads every valid fixture with the shape and bytes the script wrote") {
  const nlohmann::json valid = expected().at("valid");
  REQUIRE(valid.size() == 3);
  for (const auto& [name, want] : valid.items()) {
    CAPTURE(name);
    const xt::xarray<std::uint8_t> a = read_idx(kFixtures / name);
    const auto want_shape = want.at("shape").get<std::vector<std::size_t>>();
    const auto want_bytes = want.at("bytes").get<std::vector<std::uint8_t>>();
    REQUIRE(std::vector<std::size_t>(a.shape().begin(), a.shape().end()) == want_shape);
    REQUIRE(a.size() == want_bytes.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      CAPTURE(k);
      CHECK(a.data()[k] == want_bytes[k]);
    }
  }
}

TEST_CASE("valid fixtures hold the values make_fixtures.py states") {
  // images: flat byte k = (k * 37 + 11) % 256; labels: k * 3 % 10.
  for (const char* name : {"images_5x4x3.idx3-ubyte.gz", "images_5x4x3.idx3-ubyte"}) {
    CAPTURE(name);
    const auto images = read_idx(kFixtures / name);
    REQUIRE(images.dimension() == 3);
    CHECK(images.shape()[0] == 5);
    CHECK(images.shape()[1] == 4);
    CHECK(images.shape()[2] == 3);
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t c = 0; c < 3; ++c) {
          const std::size_t k = (i * 4 + r) * 3 + c;
          CHECK(images(i, r, c) == (k * 37 + 11) % 256);
        }
  }
  const auto labels = read_idx(kFixtures / "labels_5.idx1-ubyte.gz");
  REQUIRE(labels.dimension() == 1);
  REQUIRE(labels.shape()[0] == 5);
  const std::uint8_t want[] = {0, 3, 6, 9, 2};
  for (std::size_t k = 0; k < 5; ++k) CHECK(labels(k) == want[k]);
}

TEST_CASE("read_idx throws nnkit::Error naming the file and the reason for every broken fixture") {
  const nlohmann::json broken = expected().at("broken");
  REQUIRE(broken.size() >= 12);
  for (const auto& [name, reason] : broken.items()) {
    const std::string message = error_of(kFixtures / name);
    CAPTURE(name);
    CAPTURE(message);
    CHECK_MESSAGE(!message.empty(), "read_idx did not throw nnkit::Error");
    CHECK(contains(message, (kFixtures / name).string()));
    CHECK(contains(message, reason.get<std::string>()));
    CHECK(contains(message, "expected"));
    CHECK(contains(message, "fix: "));
  }
}

TEST_CASE("read_idx messages say what was expected and what was found") {
  struct Case {
    const char* file;
    std::vector<std::string> phrases;
  };
  const std::vector<Case> cases = {
      {"truncated_payload.idx3-ubyte.gz", {"[5, 4, 3]", "expected 60 bytes", "found 59"}},
      {"truncated_payload.idx3-ubyte", {"expected 60 bytes", "found 53"}},
      {"trailing_bytes.idx3-ubyte.gz", {"3 trailing byte(s)", "60-byte payload"}},
      {"wrong_magic.idx3-ubyte.gz", {"0x08030000", "0x0000TTNN"}},
      {"wrong_type.idx3-ubyte.gz", {"0x0D", "float32", "0x08 (unsigned byte)"}},
      {"zero_dim.idx3-ubyte.gz", {"dimension 1 of [5, 0, 3] is zero"}},
      {"zero_ndims.idx3-ubyte.gz", {"0 dimensions", "expected 1 to 8"}},
      {"huge_dims.idx3-ubyte.gz", {"[4294967295, 4294967295, 4294967295]", "overflow"}},
      {"short_header.idx3-ubyte.gz", {"found 4 byte(s) of dimensions", "expected 12"}},
      {"empty.idx3-ubyte.gz", {"empty (0 bytes)"}},
      {"empty_stream.idx3-ubyte.gz", {"found 0 byte(s)", "magic number"}},
      {"corrupt_gzip.idx3-ubyte.gz", {"gzip stream is corrupt", "incorrect data check"}},
      {"truncated_gzip.idx3-ubyte.gz", {"gzip stream ends early", "truncated"}},
  };
  for (const Case& c : cases) {
    const std::string message = error_of(kFixtures / c.file);
    CAPTURE(c.file);
    CAPTURE(message);
    for (const std::string& phrase : c.phrases) {
      CAPTURE(phrase);
      CHECK(contains(message, phrase));
    }
    CHECK(contains(message, "make data"));
  }
}

TEST_CASE("read_idx: a missing file, a folder and a non-regular file give clear errors") {
  const fs::path missing = kFixtures / "no_such_file.idx3-ubyte.gz";
  std::string message = error_of(missing);
  CAPTURE(message);
  CHECK(contains(message, missing.string()));
  CHECK(contains(message, "does not exist"));
  CHECK(contains(message, "make data"));

  message = error_of(kFixtures);
  CAPTURE(message);
  CHECK(contains(message, kFixtures.string()));
  CHECK(contains(message, "folder"));

  if (fs::exists("/dev/null")) {
    message = error_of("/dev/null");
    CHECK(contains(message, "/dev/null"));
    CHECK(contains(message, "not a regular file"));
  }
}
