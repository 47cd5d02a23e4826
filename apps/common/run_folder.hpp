#pragma once
// One run per folder. A training run (new or resumed) holds its folder for as long
// as it runs: an exclusive flock on OUT/.xgrad.lock, which the kernel releases when
// the process ends however it ends, so a killed run never leaves a stale lock. The
// file holds the holder's PID, which is what a second run names when it is refused.
#include <memory>
#include <string>

namespace xgrad::apps {

class RunFolder {
 public:
  /// Creates `dir` (and missing parents) and locks it. UsageError when it cannot be
  /// created or written, or when another process holds it ("... is in use by process N").
  /// Then removes the temporary files of writes that a killed run left unfinished.
  explicit RunFolder(std::string dir);
  /// Releases the lock. A folder this object created that holds nothing but the lock
  /// (the run failed before writing anything) is removed again, with the parents it created.
  ~RunFolder();
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;

  static constexpr const char* kLockFile = ".xgrad.lock";

 private:
  void lock();
  void remove_if_unused() noexcept;

  std::string dir_;
  std::string first_created_;  ///< the highest folder of `dir_`'s path this object created ("" if none)
  int fd_ = -1;
};

/// The run folder for a training command: locked by the process that writes it, rank 0
/// of a data-parallel run (null on the other ranks, which write nothing there).
std::unique_ptr<RunFolder> hold_run_folder(const std::string& dir);

}  // namespace xgrad::apps
