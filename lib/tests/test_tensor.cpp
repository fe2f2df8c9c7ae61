// Tensor basics: construction, views, splitting, reductions, argmax, conversions, errors.
#include "testing.hpp"

#include <nnkit/error.hpp>

using namespace nnkit;

TEST_CASE("a tensor round-trips through xtensor and keeps its shape") {
  xt::xarray<float> values = {{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}};
  Tensor t(values);
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.numel() == 6);
  CHECK(t.size(-1) == 3);
  CHECK(t.to_xarray() == values);
  CHECK_THROWS_WITH_AS(t.size(2), doctest::Contains("dimension 2 out of range"), Error);
}

TEST_CASE("reshape and view share storage; -1 is inferred; bad shapes are named") {
  Tensor t = Tensor::from_vector({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor v = t.reshape({3, -1});
  CHECK(v.shape() == Shape{3, 2});
  v.data()[0] = 42.0f;
  CHECK(t.data()[0] == 42.0f);
  CHECK(t.flatten().shape() == Shape{6});
  CHECK_THROWS_WITH_AS(t.reshape({4, 2}), doctest::Contains("shape [4, 2] is invalid for input of size 6"), Error);
  CHECK_THROWS_AS(t.reshape({-1, -1}), Error);
}

TEST_CASE("split(size) cuts consecutive mini-batches along dim 0, the last one shorter") {
  std::vector<float> values(10 * 2);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  Tensor t = Tensor::from_vector({10, 2}, values);
  auto chunks = t.split(4);
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].shape() == Shape{4, 2});
  CHECK(chunks[2].shape() == Shape{2, 2});
  CHECK(chunks[1].data()[0] == 8.0f);   // row 4
  CHECK(chunks[2].data()[3] == 19.0f);  // row 9, last element
  CHECK_THROWS_WITH_AS(t.split(0), doctest::Contains("split_size must be positive, got 0"), Error);
}

TEST_CASE("argmax picks the first maximum and returns int64 indices") {
  Tensor t = Tensor::from_vector({2, 3}, {1, 5, 5, 7, 0, 2});
  Tensor rows = t.argmax(1);
  CHECK(rows.dtype() == Dtype::Int64);
  CHECK(rows.shape() == Shape{2});
  CHECK(rows.data()[0] == 1.0f);
  CHECK(rows.data()[1] == 0.0f);
  Tensor cols = t.argmax(0);
  CHECK(cols.data()[0] == 1.0f);
  CHECK(cols.data()[2] == 0.0f);
  CHECK_THROWS_AS(t.argmax(2), Error);
}

TEST_CASE("eq and mean compute an accuracy like (pred == y).float().mean()") {
  Tensor predicted = Tensor::from_vector({4}, {1, 2, 3, 4}, Dtype::Int64);
  Tensor labels = Tensor::from_vector({4}, {1, 0, 3, 0}, Dtype::Int64);
  CHECK(predicted.eq(labels).mean().item() == 0.5f);
}

TEST_CASE("reductions along a dim, with and without keepdim") {
  Tensor t = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(t.sum().item() == 21.0f);
  CHECK(t.mean().item() == 3.5f);
  Tensor columns = t.sum(0);
  CHECK(columns.shape() == Shape{3});
  CHECK(columns.data()[2] == 9.0f);
  Tensor rows = t.mean(1, true);
  CHECK(rows.shape() == Shape{2, 1});
  CHECK(rows.data()[1] == 5.0f);
}

TEST_CASE("broadcasting follows PyTorch and names both shapes when impossible") {
  Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor row = Tensor::from_vector({3}, {10, 20, 30});
  Tensor sum = a + row;
  CHECK(sum.data()[5] == 36.0f);
  Tensor column = Tensor::from_vector({2, 1}, {100, 200});
  CHECK((a * column).data()[3] == 800.0f);
  Tensor bad = Tensor::from_vector({2}, {1, 2});
  CHECK_THROWS_WITH_AS(a + bad, doctest::Contains("shapes [2, 3] and [2] cannot be broadcast"), Error);
}

TEST_CASE("item, index_select and t() check their arguments") {
  Tensor t = Tensor::from_vector({3, 2}, {1, 2, 3, 4, 5, 6});
  CHECK_THROWS_WITH_AS(t.item(), doctest::Contains("6 elements"), Error);
  Tensor picked = t.index_select({2, 0});
  CHECK(picked.data()[0] == 5.0f);
  CHECK(picked.data()[3] == 2.0f);
  CHECK_THROWS_WITH_AS(t.index_select({3}), doctest::Contains("index 3 out of range"), Error);
  CHECK(t.t().shape() == Shape{2, 3});
  CHECK(t.t().data()[1] == 3.0f);
  CHECK_THROWS_AS(Tensor::from_vector({2, 2}, {1, 2, 3}), Error);
  CHECK_THROWS_WITH_AS(Tensor().shape(), doctest::Contains("undefined Tensor"), Error);
}
