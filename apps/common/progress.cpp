#include "common/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace xgrad::apps {

bool Progress::interactive() { return isatty(fileno(stderr)) != 0; }

std::string format_duration(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  const auto total = static_cast<long>(s);
  if (total < 3600) return fmt::format("{}:{:02}", total / 60, total % 60);
  return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
}

Progress::Progress(std::string label, std::int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(std::max<std::int64_t>(total, 1)),
      start_(Clock::now()), last_draw_(start_), tty_(interactive()) {}

Progress::~Progress() {
  if (!finished_ && tty_) std::fputc('\n', stderr);  // leave the terminal on a fresh line
}

void Progress::tick(std::int64_t n, const std::string& status) {
  done_ = std::min(done_ + n, total_);
  if (!status.empty()) status_ = status;
  const auto now = Clock::now();
  const auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_draw_ >= every) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  if (!status.empty()) status_ = status;
  draw(true);
  finished_ = true;
}

void Progress::skip(std::int64_t n) {
  done_ = std::min(done_ + std::max<std::int64_t>(n, 0), total_);
  skipped_ = done_;
}

void Progress::set_steps_after(std::int64_t n) { after_ = std::max<std::int64_t>(n, 0); }

std::string Progress::line(bool final) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - skipped_) / elapsed : 0.0;
  const auto eta = [&](std::int64_t left) { return format_duration(rate > 0 ? static_cast<double>(left) / rate : 0.0); };
  std::string timing = final ? fmt::format("{} total", format_duration(elapsed)) : fmt::format("ETA {}", eta(total_ - done_));
  if (!final && after_ > 0) timing += fmt::format(", run {}", eta(total_ - done_ + after_));
  std::string bar;
  if (tty_) {
    constexpr int width = 24;
    const int filled = static_cast<int>(width * done_ / total_);
    bar = fmt::format(" [{}{}]", std::string(static_cast<std::size_t>(filled), '#'),
                      std::string(static_cast<std::size_t>(width - filled), '-'));
  }
  return fmt::format("{}{} {}/{} {:.1f} {}/s {}  {}", label_, bar, done_, total_, rate, unit_, timing, status_);
}

void Progress::draw(bool final) {
  if (tty_)
    std::fprintf(stderr, "\r\033[2K%s%s", line(final).c_str(), final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line(final).c_str());
  std::fflush(stderr);
}

}  // namespace xgrad::apps
