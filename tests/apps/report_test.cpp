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

namespace {
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
const char* kEpochs = R"({"epoch":1,"train_loss":300,"test_loss":280,"test_recon":260,"test_kl":20,"seconds":1})";
}  // namespace

TEST_CASE("an evaluated run's report shows the IWAE bound, active units and KL per dimension as bars", "[apps]") {
  Dir d;
  write(d.p / "metrics.jsonl", kEpochs);
  write(d.p / "config.json", R"({"command":"train","model":{"kind":"vae","latent":3,"kl_schedule":"","lr":0.001}})");
  CHECK_THAT(apps::render_report(d.p.string()), Contains("Not evaluated yet") && Contains("xgrad eval"));
  write(d.p / "eval.json", R"({"test_neg_elbo":250.5,"iwae_log_likelihood":-247.25,"active_units":2,
        "activity_per_dim":[0.5,0.2,0.001],"kl_per_dim":[3.5,1.25,0.01],"total_kl":4.76})");
  const std::string html = apps::render_report(d.p.string());
  CHECK_THAT(html, Contains("-247.250 nats") && Contains("250.500 nats") && Contains("2 of 3 dimensions"));
  CHECK_THAT(html, Contains("<title>0: 3.500</title>") && Contains("<title>2: 0.010</title>"));
  CHECK_THAT(html, Contains(">latent dimension<") && Contains(">KL (nats)<"));
  CHECK_THAT(html, Contains("−ELBO (nats per image)") && Contains(">epoch<"));  // units on the curves
  CHECK_THAT(html, !Contains("kl_schedule"));  // no schedule: not an option this run uses
}

TEST_CASE("a report's pictures are upscaled by a whole factor and a traversal's rows are labelled", "[apps]") {
  Dir d;
  write(d.p / "metrics.jsonl", kEpochs);
  // A PNG header is all the report reads of the size: 100 x 64 pixels.
  std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x64\0\0\0\x40", 24);
  write(d.p / "traversal.png", png);
  write(d.p / "interpolation.png", png);
  write(d.p / "traversal.json", R"({"score":"KL","rows":[{"dim":3,"KL":2.5},{"dim":0,"KL":0.25}]})");
  const std::string html = apps::render_report(d.p.string());
  CHECK_THAT(html, Contains("width=\"400\" height=\"256\""));  // 4x, the largest that fits
  CHECK_THAT(html, Contains("z 3 · KL 2.50 nats") && Contains("z 0 · KL 0.25 nats"));
  CHECK_THAT(html, Contains("Interpolation between two test images"));
}

TEST_CASE("a traversal's row labels follow the picture's tiles, whatever their size", "[apps]") {
  Dir d;
  write(d.p / "metrics.jsonl", kEpochs);
  // Three rows of 8-pixel tiles (an image folder at --image-size 8), nine columns:
  // 2 + 3 (8 + 2) = 32 pixels high, 2 + 9 (8 + 2) = 92 wide, drawn 4x.
  write(d.p / "traversal.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x5c\0\0\0\x20", 24));
  write(d.p / "traversal.json", R"({"score":"KL","rows":[{"dim":1,"KL":2.5},{"dim":0,"KL":1.5},{"dim":2,"KL":0.5}]})");
  const std::string html = apps::render_report(d.p.string());
  CHECK_THAT(html, Contains("width=\"368\" height=\"128\""));
  // A row is (8 + 2) x 4 = 40 pixels apart, its label centred on the 32-pixel tile.
  std::size_t rows = 0;
  for (auto at = html.find("height:40px;line-height:32px"); at != std::string::npos;
       at = html.find("height:40px;line-height:32px", at + 1))
    ++rows;
  CHECK(rows == 3);
  CHECK_THAT(html, Contains("padding-top:8px"));  // the first tile starts below the 2-pixel gap
}

TEST_CASE("a text run's report draws its curves by step and its bits per character", "[apps]") {
  Dir d;
  write(d.p / "metrics.jsonl", R"({"step":100,"train_nats_per_step":2.5,"val_nats_per_step":2.6,"val_kl_per_step":0.1,"train_bits_per_char":3.6,"val_bits_per_char":3.75,"seconds":5})");
  write(d.p / "config.json", R"({"command":"text train","model":{"kind":"vrnn","text":true,"likelihood":"gauss","components":5,"hidden":128},
        "data":{"corpus":["a","b"],"bytes":10}})");
  const std::string html = apps::render_report(d.p.string());
  CHECK_THAT(html, Contains(">training step<") && Contains(">bits per character<") && Contains(">nats per character<"));
  CHECK_THAT(html, Contains("<td>100</td><td>2.500</td><td>2.600</td><td>0.100</td><td>3.750</td>"));
  CHECK_THAT(html, Contains("2 values") && Contains("<th>hidden</th>"));
  CHECK_THAT(html, !Contains("likelihood") && !Contains("components") && !Contains("Evaluation"));
}

TEST_CASE("a series run's report embeds its forecast plot and shows its mixture size only for a mixture", "[apps]") {
  Dir d;
  write(d.p / "metrics.jsonl", R"({"step":2,"train_nats_per_step":1.5,"val_nats_per_step":1.6})");
  write(d.p / "config.json", R"({"command":"series train","model":{"kind":"vrnn","text":false,"likelihood":"gmm","components":5}})");
  write(d.p / "forecast.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
  const std::string html = apps::render_report(d.p.string());
  CHECK_THAT(html, Contains("<h2>Forecast</h2>") && Contains("data:image/svg+xml;base64,"));
  CHECK_THAT(html, Contains(">nats per time step<") && Contains("<th>components</th>"));
  CHECK_THAT(html, !Contains("bits per character"));
}
