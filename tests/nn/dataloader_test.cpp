#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "xgrad/nn/data/dataloader.hpp"

using namespace xgrad;

// Row i of x is {i, 10 i}, label i: every batch shows which rows it holds.
static std::shared_ptr<nn::TensorDataset> numbered(core::Index n) {
  core::Tensor<float> x(core::Shape{n, 2});
  core::IndexTensor labels(core::Shape{n});
  for (core::Index i = 0; i < n; ++i) {
    x.data()[2 * i] = static_cast<float>(i);
    x.data()[2 * i + 1] = static_cast<float>(10 * i);
    labels.data()[i] = i;
  }
  return std::make_shared<nn::TensorDataset>(std::move(x), core::Tensor<float>{}, std::move(labels));
}

static std::vector<std::vector<core::Index>> epoch_labels(nn::DataLoader& loader) {
  std::vector<std::vector<core::Index>> out;
  for (const nn::Batch& b : loader) {
    REQUIRE(b.x.size(0) == b.labels.size(0));
    for (core::Index i = 0; i < b.size(); ++i) REQUIRE(b.x.at({i, 1}) == 10.0f * static_cast<float>(b.labels.data()[i]));
    out.push_back(b.labels.to_vector());
  }
  return out;
}

TEST_CASE("TensorDataset gathers rows and checks that fields agree", "[data]") {
  auto ds = numbered(5);
  const nn::Batch b = ds->get_batch({4, 0, 4});
  CHECK(b.x.shape() == core::Shape{3, 2});
  CHECK(b.x.to_vector() == std::vector<float>{4, 40, 0, 0, 4, 40});
  CHECK(b.labels.to_vector() == std::vector<core::Index>{4, 0, 4});
  CHECK_FALSE(b.y.defined());
  CHECK_THROWS_AS(ds->get_batch({5}), core::ValueError);
  CHECK_THROWS_WITH(nn::TensorDataset(core::Tensor<float>::zeros({3, 2}), {}, core::IndexTensor::zeros({4})),
                    Catch::Contains("x has shape (3, 2) but labels has shape (4)"));
  CHECK_THROWS_AS(nn::TensorDataset(core::Tensor<float>{}), core::ValueError);
}

TEST_CASE("DataLoader covers every row once per epoch, in order when not shuffling", "[data]") {
  nn::DataLoader plain(numbered(10), {.batch_size = 4, .shuffle = false});
  CHECK(plain.num_batches() == 3);
  CHECK(epoch_labels(plain) == std::vector<std::vector<core::Index>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
  nn::DataLoader drop(numbered(10), {.batch_size = 4, .shuffle = false, .drop_last = true});
  CHECK(drop.num_batches() == 2);
  CHECK(epoch_labels(drop) == std::vector<std::vector<core::Index>>{{0, 1, 2, 3}, {4, 5, 6, 7}});
  nn::DataLoader none(numbered(3), {.batch_size = 4, .drop_last = true});
  CHECK(none.num_batches() == 0);
  CHECK(epoch_labels(none).empty());

  nn::DataLoader shuffled(numbered(103), {.batch_size = 10, .seed = 7});
  std::vector<core::Index> seen;
  for (const auto& b : epoch_labels(shuffled)) seen.insert(seen.end(), b.begin(), b.end());
  CHECK(seen.size() == 103);
  CHECK_FALSE(std::is_sorted(seen.begin(), seen.end()));
  std::sort(seen.begin(), seen.end());
  for (core::Index i = 0; i < 103; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i);
  CHECK_THROWS_AS(nn::DataLoader(numbered(3), {.batch_size = 0}), core::ValueError);
}

TEST_CASE("DataLoader: same seed, same order; epochs differ; prefetch changes nothing", "[data]") {
  auto ds = numbered(50);
  nn::DataLoader a(ds, {.batch_size = 8, .seed = 3}), b(ds, {.batch_size = 8, .seed = 3, .prefetch = false});
  nn::DataLoader other(ds, {.batch_size = 8, .seed = 4});
  const auto a0 = epoch_labels(a), a1 = epoch_labels(a);
  CHECK(epoch_labels(b) == a0);
  CHECK(epoch_labels(b) == a1);
  CHECK(a0 != a1);
  CHECK(epoch_labels(other) != a0);
  CHECK(a.epoch() == 2);
  // Resuming at epoch 1 replays epoch 1.
  nn::DataLoader resumed(ds, {.batch_size = 8, .seed = 3});
  resumed.set_epoch(1);
  CHECK(epoch_labels(resumed) == a1);
  CHECK(a.order(1) == resumed.order(1));
  // Stopping part-way through an epoch (with a prefetch in flight) is safe.
  for (const nn::Batch& batch : a) {
    CHECK(batch.size() == 8);
    break;
  }
}

// A dataset whose gather is slow and counts calls from other threads.
class SlowDataset : public nn::Dataset {
 public:
  explicit SlowDataset(std::thread::id main) : main_(main) {}
  core::Index size() const override { return 40; }
  nn::Batch get_batch(const std::vector<core::Index>& idx) const override {
    if (std::this_thread::get_id() != main_) ++off_thread_;
    if (std::find(idx.begin(), idx.end(), 33) != idx.end()) throw core::ValueError("row 33 is bad");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return nn::Batch{core::Tensor<float>::zeros({static_cast<core::Index>(idx.size()), 1}), {}, {}};
  }
  mutable std::atomic<int> off_thread_{0};

 private:
  std::thread::id main_;
};

TEST_CASE("DataLoader prefetches on another thread and rethrows gather errors at the batch", "[data]") {
  auto slow = std::make_shared<SlowDataset>(std::this_thread::get_id());
  nn::DataLoader loader(slow, {.batch_size = 4, .shuffle = false});
  auto it = loader.begin();
  for (int b = 0; b < 7; ++b) ++it;  // now at batch 7 (rows 28..31); batch 8 is being gathered
  // Every gather so far ran on the prefetch thread, even with one TBB thread.
  CHECK(slow->off_thread_ >= 8);
  // Batch 8 (rows 32..35) fails; the error comes out of the ++ that needs it, and the pass ends.
  CHECK_THROWS_WITH(++it, "row 33 is bad");
  CHECK(it == loader.end());

  nn::DataLoader sync(slow, {.batch_size = 4, .shuffle = false, .prefetch = false});
  slow->off_thread_ = 0;
  auto it2 = sync.begin();
  ++it2;
  CHECK(slow->off_thread_ == 0);
  // Without prefetch the error is thrown by the same ++.
  for (int b = 2; b < 8; ++b) ++it2;
  CHECK_THROWS_WITH(++it2, "row 33 is bad");
}

TEST_CASE("train_validation_split is seeded, disjoint and complete", "[data]") {
  auto ds = numbered(100);
  auto [train, val] = nn::train_validation_split(ds, 0.2, 11);
  CHECK(train->size() == 80);
  CHECK(val->size() == 20);
  std::set<core::Index> all(train->indices().begin(), train->indices().end());
  all.insert(val->indices().begin(), val->indices().end());
  CHECK(all.size() == 100);
  auto [train2, val2] = nn::train_validation_split(ds, 0.2, 11);
  CHECK(val2->indices() == val->indices());
  auto [train3, val3] = nn::train_validation_split(ds, 0.2, 12);
  CHECK(val3->indices() != val->indices());
  // A subset's rows map through to the base dataset.
  const nn::Batch b = val->get_batch({0, 19});
  CHECK(b.labels.to_vector() == std::vector<core::Index>{val->indices()[0], val->indices()[19]});
  nn::DataLoader loader(val, {.batch_size = 32});
  CHECK(epoch_labels(loader).front().size() == 20);
  CHECK_THROWS_AS(nn::train_validation_split(ds, 1.5, 0), core::ValueError);
}
