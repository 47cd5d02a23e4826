#include "xgrad/nn/serialize/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "xgrad/nn/data/error.hpp"

namespace xgrad::nn {
namespace {

[[noreturn]] void fail(const std::string& path, std::string_view step, int err) {
  throw DataError(fmt::format("write_file_atomic: {}: {}: {}", path, step, std::strerror(err)));
}

/// ".NAME.tmp.PID.N": the temporary name write_file_atomic gives, one place for both uses.
std::string temporary_name(const std::string& name, long pid, unsigned n) { return fmt::format(".{}.tmp.{}.{}", name, pid, n); }

int fsync_retry(int fd) {
  int rc;
  do rc = ::fsync(fd);
  while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (!target.has_filename()) fail(path, "no file name in the path", EISDIR);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");

  // A name unique to this process and call; O_EXCL guards against anything else.
  static std::atomic<unsigned> counter{0};
  int fd = -1;
  std::string tmp;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = (dir / temporary_name(target.filename().string(), ::getpid(), counter++)).string();
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt > 100)) fail(path, "cannot create a temporary file in its directory", errno);
  }

  // From here on, any failure closes and removes the temporary file.
  auto abandon = [&](std::string_view step) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, step, err);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      abandon("cannot replace");
    }
    if (::fchmod(fd, st.st_mode & 07777) != 0) abandon("cannot copy the permissions of the old file");
  }
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon("write failed");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (fsync_retry(fd) != 0) abandon("fsync failed");
  const int rc = ::close(fd);
  fd = -1;
  if (rc != 0) abandon("close failed");
  if (::rename(tmp.c_str(), path.c_str()) != 0) abandon("rename failed");

  // The rename is durable only once the directory itself is on disk.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail(path, "cannot open its directory to fsync it", errno);
  const int drc = fsync_retry(dfd);
  const int derr = errno;
  ::close(dfd);
  // Some file systems cannot fsync directories (EINVAL); the data is already safe there.
  if (drc != 0 && derr != EINVAL) fail(path, "fsync of its directory failed", derr);
}

int remove_abandoned_temporaries(const std::string& dir) {
  namespace fs = std::filesystem;
  static const std::regex temporary(R"(\..+\.tmp\.([0-9]{1,9})\.[0-9]+)");
  std::error_code ec;
  fs::directory_iterator entries(dir, ec);
  if (ec) return 0;
  int removed = 0;
  for (const auto& entry : entries) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, temporary) || !entry.is_regular_file(ec)) continue;
    const long pid = std::stol(m[1].str());
    // kill(pid, 0) probes without signalling: ESRCH means no such process; EPERM, a live one.
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    if (fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace xgrad::nn
