#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

using namespace xgrad;
namespace fs = std::filesystem;

static std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

namespace {

/// Root passes every permission check; as root this drops the effective user to
/// `nobody` (65534) for its lifetime, so permission failures happen for real.
struct AsNobodyIfRoot {
  bool dropped = ::geteuid() == 0;
  AsNobodyIfRoot() {
    if (dropped) REQUIRE(::seteuid(65534) == 0);
  }
  ~AsNobodyIfRoot() {
    if (dropped && ::seteuid(0) != 0) std::abort();  // the rest of the suite must not run as nobody
  }
};

/// The PID of a child that has already exited (and been reaped): a process that no longer exists.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return child;
}

}  // namespace

TEST_CASE("write_file_atomic creates and replaces files, keeping permissions, leaving no temp files", "[data]") {
  test::TempDir dir;
  const std::string path = dir.file("state.bin");
  nn::write_file_atomic(path, std::string("one\0two", 7));
  CHECK(test::read_bytes(path) == std::string("one\0two", 7));
  ::chmod(path.c_str(), 0640);
  nn::write_file_atomic(path, "second");
  CHECK(test::read_bytes(path) == "second");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  nn::write_file_atomic(path, "");
  CHECK(test::read_bytes(path).empty());
  CHECK(entries(dir.path()) == 1);
  // A relative path writes into the current directory.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  nn::write_file_atomic("relative.txt", "r");
  fs::current_path(cwd);
  CHECK(test::read_bytes(dir.file("relative.txt")) == "r");
}

TEST_CASE("write_file_atomic into a missing directory fails with the path and strerror", "[data]") {
  test::TempDir dir;
  const std::string path = dir.file("missing/state.bin");
  CHECK_THROWS_AS(nn::write_file_atomic(path, "x"), nn::DataError);
  CHECK_THROWS_WITH(nn::write_file_atomic(path, "x"),
                    "write_file_atomic: " + path + ": cannot create a temporary file in its directory: No such file or directory");
}

TEST_CASE("A failed replacement leaves the old file intact and removes the temporary file", "[data]") {
  test::TempDir dir;
  const std::string path = dir.file("state.bin");
  nn::write_file_atomic(path, "old contents");

  SECTION("the write itself fails (file size limit)") {
    // RLIMIT_FSIZE makes write() fail with EFBIG part-way, even for root.
    struct rlimit old {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto* previous = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old;
    small.rlim_cur = 1000;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string error;
    try {
      nn::write_file_atomic(path, std::string(5000, 'n'));
    } catch (const nn::DataError& e) {
      error = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previous);
    CHECK(error == "write_file_atomic: " + path + ": write failed: File too large");
  }
  SECTION("the directory is read-only") {
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
    {
      // Root ignores directory permissions, so as root (CI) the write runs as `nobody`.
      const AsNobodyIfRoot guard;
      CHECK_THROWS_WITH(nn::write_file_atomic(path, "new"), Catch::Contains(path) && Catch::Contains("Permission denied"));
    }
    fs::permissions(dir.path(), fs::perms::owner_all);
  }
  SECTION("the target is a directory") {
    const std::string sub = dir.file("sub");
    fs::create_directory(sub);
    CHECK_THROWS_WITH(nn::write_file_atomic(sub, "x"), "write_file_atomic: " + sub + ": cannot replace: Is a directory");
    CHECK(fs::is_directory(sub));
    fs::remove(sub);
  }
  CHECK(test::read_bytes(path) == "old contents");
  CHECK(entries(dir.path()) == 1);
}

TEST_CASE("The temporary files of dead processes are removed, those of live ones kept", "[data]") {
  test::TempDir dir;
  const pid_t dead = dead_pid();
  const std::string left = fmt::format(".checkpoint.safetensors.tmp.{}.3", dead);
  const std::string mine = fmt::format(".checkpoint.safetensors.tmp.{}.0", ::getpid());
  for (const std::string& name : {left, mine, std::string("model.safetensors"), fmt::format(".x.tmp.{}", dead)})
    nn::write_file_atomic(dir.file(name), "bytes");
  CHECK(nn::remove_abandoned_temporaries(dir.path().string()) == 1);
  CHECK_FALSE(fs::exists(dir.file(left)));
  CHECK(fs::exists(dir.file(mine)));
  CHECK(fs::exists(dir.file("model.safetensors")));
  CHECK(fs::exists(dir.file(fmt::format(".x.tmp.{}", dead))));  // not a name write_file_atomic gives
  CHECK(nn::remove_abandoned_temporaries(dir.file("missing")) == 0);
}
