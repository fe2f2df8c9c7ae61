// The students' README warns that with Debian's xtensor (0.24) a reduction with
// xt::keep_dims, broadcast inside a larger expression, gives wrong numbers without an
// error (they even differ from one program to the next: past its first row the result
// reads memory it should not). This checks that the warning is still true of the xtensor
// the kit builds with, on the README's own example, and that its advice (evaluate the
// reduction into an array first) gives the right numbers. When an xtensor upgrade fixes the
// reducer, this fails: then drop the section from solution/HANDOUT_README.md and this test.
#include <doctest/doctest.h>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>

namespace {

const xt::xarray<double> z = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};

bool all_close(const xt::xarray<double>& a, const xt::xarray<double>& b) {
  return a.shape() == b.shape() && xt::allclose(a, b, 1e-5, 1e-6);
}

}  // namespace

TEST_CASE("xtensor: a keep_dims reduction broadcast inside an expression gives wrong numbers") {
  const xt::xarray<double> row_normalised = {{1.0 / 6, 2.0 / 6, 3.0 / 6}, {4.0 / 15, 5.0 / 15, 6.0 / 15}};
  const xt::xarray<double> wrong = z / xt::sum(z, {1}, xt::keep_dims);
  CHECK_MESSAGE(!all_close(wrong, row_normalised),
                "xtensor " << XTENSOR_VERSION_MAJOR << "." << XTENSOR_VERSION_MINOR << "."
                           << XTENSOR_VERSION_PATCH
                           << " broadcasts a lazy keep_dims reducer correctly: drop the pitfall "
                              "from solution/HANDOUT_README.md and this test");

  // Along axis 0, and with xt::amax, as the README says.
  const xt::xarray<double> column_sums = xt::sum(z, {0}, xt::keep_dims);
  CHECK_FALSE(all_close(xt::xarray<double>(z - xt::sum(z, {0}, xt::keep_dims)),
                        xt::xarray<double>(z - column_sums)));
  const xt::xarray<double> row_max = xt::amax(z, {1}, xt::keep_dims);
  CHECK_FALSE(all_close(xt::xarray<double>(z - xt::amax(z, {1}, xt::keep_dims)),
                        xt::xarray<double>(z - row_max)));
}

TEST_CASE("xtensor: the README's advice, a reduction evaluated first, gives the right numbers") {
  const xt::xarray<double> row_sums = xt::sum(z, {1}, xt::keep_dims);
  REQUIRE(row_sums.shape() == std::vector<std::size_t>{2, 1});
  const xt::xarray<double> right = z / row_sums;
  const xt::xarray<double> readme = {{0.166667, 0.333333, 0.5}, {0.266667, 0.333333, 0.4}};
  CHECK(all_close(right, readme));
  // A reduction divided by a plain number is fine, as the README says.
  const xt::xarray<double> halves = xt::sum(z, {0}, xt::keep_dims) / 2.0;
  CHECK(all_close(halves, xt::xarray<double>{{2.5, 3.5, 4.5}}));
}
