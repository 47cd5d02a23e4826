// The progress line: counts, rate, and the ETA of the bar and of the whole run.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "common/progress.hpp"

using namespace xgrad::apps;

namespace {

/// The number or duration after `key` in `line` ("ETA 1.5s" -> 1.5, "ETA 2:05" -> 125); -1 when absent.
double seconds_after(const std::string& line, const std::string& key) {
  const auto at = line.find(key);
  if (at == std::string::npos) return -1.0;
  std::size_t used = 0;
  const std::string rest = line.substr(at + key.size());
  const double first = std::stod(rest, &used);
  return rest[used] == ':' ? first * 60 + std::stod(rest.substr(used + 1)) : first;
}

}  // namespace

TEST_CASE("an epoch's progress line shows the run's ETA beside the epoch's", "[apps]") {
  Progress bar("epoch 1/3", 1000);
  bar.set_steps_after(2000);  // two more epochs of 1000
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bar.tick(5);
  const std::string line = bar.line(false);
  CHECK(line.find("epoch 1/3") != std::string::npos);
  CHECK(line.find(" 5/1000 ") != std::string::npos);
  // 995 steps left in the epoch and 2995 in the run, at one rate: about three times as long.
  const double epoch = seconds_after(line, "ETA "), run = seconds_after(line, ", run ");
  REQUIRE(epoch > 0);
  REQUIRE(run > 0);
  CHECK(run == Approx(epoch * 2995 / 995).epsilon(0.05));
  CHECK(bar.line(true).find("run") == std::string::npos);  // a finished bar says its total time
}

TEST_CASE("a bar without later steps shows one ETA and counts no resumed steps in its rate", "[apps]") {
  Progress bar("train", 100, "step");
  bar.skip(90);  // a resumed run: 90 steps were done by an earlier process
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bar.tick(1);
  const std::string line = bar.line(false);
  CHECK(line.find(" 91/100 ") != std::string::npos);
  CHECK(line.find(", run ") == std::string::npos);
  // One step in >= 20 ms: the rate is at most 50 steps/s, not 91 steps in 20 ms.
  CHECK(seconds_after(line, "/100 ") <= 50.0);
}
