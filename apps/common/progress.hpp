#pragma once
// A progress bar for long loops: on a terminal it redraws one line (at most ten
// times a second) with the count, a bar, the rate and the ETA; when stderr is
// not a terminal it prints a plain line every few seconds instead, so logs
// stay readable.
#include <chrono>
#include <cstdint>
#include <string>

namespace xgrad::apps {

class Progress {
 public:
  /// `label` precedes the bar ("epoch 3/10"), `total` is the number of steps, `unit` names them.
  Progress(std::string label, std::int64_t total, std::string unit = "batch");
  ~Progress();
  /// Advances by `n` steps; `status` is shown after the bar ("loss 251.3").
  void tick(std::int64_t n = 1, const std::string& status = "");
  /// Counts `n` steps done before this session (a resumed run): shown, but not in the rate.
  void skip(std::int64_t n);
  /// Steps the run still has after this bar's (later epochs): the line then shows the
  /// run's ETA beside the bar's ("ETA 12.0s, run 2:05").
  void set_steps_after(std::int64_t n);
  /// The text of the line as drawn now (after "\r" on a terminal).
  std::string line(bool final) const;
  /// Draws the final state and ends the line.
  void finish(const std::string& status = "");

  /// Whether stderr is a terminal (decides between a redrawn bar and plain lines).
  static bool interactive();

 private:
  void draw(bool final);
  using Clock = std::chrono::steady_clock;
  std::string label_, unit_, status_;
  std::int64_t total_, done_ = 0, skipped_ = 0, after_ = 0;
  Clock::time_point start_, last_draw_;
  bool tty_, finished_ = false;
};

/// "1:05", "12.3s", "2:03:04" — a duration for humans.
std::string format_duration(double seconds);

}  // namespace xgrad::apps
