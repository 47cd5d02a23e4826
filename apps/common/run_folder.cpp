#include "common/run_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/cli.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace fs = std::filesystem;

namespace {

/// The highest folder on the way to `dir` that does not exist yet ("" when `dir` exists).
std::string first_missing(const fs::path& dir) {
  std::error_code ec;
  fs::path missing;
  for (fs::path p = fs::absolute(dir, ec); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing = p;
    if (p == p.parent_path()) break;
  }
  return missing.string();
}

/// The PID written into a lock file by its holder ("" while it has not written it yet).
std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

RunFolder::RunFolder(std::string dir) : dir_(std::move(dir)) {
  first_created_ = first_missing(dir_);
  ensure_writable_dir(dir_);
  try {
    lock();
    nn::remove_abandoned_temporaries(dir_);
  } catch (...) {
    remove_if_unused();
    throw;
  }
}

void RunFolder::lock() {
  const std::string path = (fs::path(dir_) / kLockFile).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw UsageError(fmt::format("cannot create the lock file {}: {}", path, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = holder_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) throw UsageError(fmt::format("cannot lock the run folder {}: {}", dir_, std::strerror(err)));
    throw UsageError(fmt::format("run folder {} is in use by process {} (another xgrad run); wait for it or choose "
                                 "another --out", dir_, pid.empty() ? "(starting)" : pid));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    throw UsageError(fmt::format("cannot write the lock file {}: {}", path, std::strerror(errno)));
}

RunFolder::~RunFolder() {
  remove_if_unused();
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

void RunFolder::remove_if_unused() noexcept {
  // Only while holding the lock: a folder another run holds is never this object's to remove.
  if (first_created_.empty() || fd_ < 0) return;
  std::error_code ec;
  const fs::path lock = fs::path(dir_) / kLockFile;
  fs::directory_iterator entries(dir_, ec);
  if (ec) return;
  for (const auto& entry : entries)
    if (entry.path().filename() != kLockFile) return;  // the run wrote something: keep it all
  fs::remove(lock, ec);
  // Only empty folders go, from the run folder up to the first one this object made.
  const fs::path top = fs::path(first_created_);
  for (fs::path p = fs::absolute(dir_, ec); !p.empty(); p = p.parent_path()) {
    if (!fs::remove(p, ec)) break;
    if (p == top) break;
  }
  first_created_.clear();
}

std::unique_ptr<RunFolder> hold_run_folder(const std::string& dir) {
  return is_leader() ? std::make_unique<RunFolder>(dir) : nullptr;
}

}  // namespace xgrad::apps
