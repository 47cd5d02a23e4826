// xgrad report: a self-contained page from a run directory's files.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/cli.hpp"
#include "image/report.hpp"

using namespace xgrad;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {
struct Dir {
  fs::path p = fs::temp_directory_path() / ("xgrad-report-test-" + std::to_string(::getpid()));
  Dir() { fs::create_directories(p); }
  ~Dir() { fs::remove_all(p); }
};
}  // namespace

TEST_CASE("a report draws each loss series of metrics.jsonl as an SVG polyline", "[apps]") {
  Dir d;
  std::ofstream(d.p / "metrics.jsonl") << R"({"epoch":1,"train_loss":300,"test_loss":280,"test_recon":260,"test_kl":20,"seconds":1})"
                                       << "\n" << R"({"epoch":2,"train_loss":270,"test_loss":265,"test_recon":245,"test_kl":20,"seconds":1})" << "\n";
  const std::string html = apps::render_report(d.p.string());
  CHECK_THAT(html, Contains("<!DOCTYPE html>") && Contains("</html>"));
  std::size_t lines = 0;
  for (auto at = html.find("<polyline"); at != std::string::npos; at = html.find("<polyline", at + 1)) ++lines;
  CHECK(lines == 2);
  CHECK_THAT(html, Contains("<tr><td>2</td><td>270.000</td><td>265.000</td>"));  // epochs are counts
}

TEST_CASE("a report of a directory without metrics is a usage error naming it", "[apps]") {
  Dir d;
  CHECK_THROWS_AS(apps::render_report(d.p.string()), apps::UsageError);
  CHECK_THROWS_WITH(apps::render_report(d.p.string()), Contains("no metrics.jsonl"));
}

TEST_CASE("a report refuses a malformed metrics line, naming the file and line", "[apps]") {
  Dir d;
  std::ofstream(d.p / "metrics.jsonl") << R"({"epoch":1})" << "\n" << "{oops\n";
  CHECK_THROWS_WITH(apps::render_report(d.p.string()), Contains("metrics.jsonl:2"));
}
