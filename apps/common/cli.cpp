#include "common/cli.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <thread>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "xgrad/core/parallel.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/distributed/communicator.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"

namespace xgrad::apps {

std::atomic<bool> g_stop_requested{false};

namespace {
extern "C" void on_stop_signal(int) { g_stop_requested.store(true); }
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  // The handler only raises a flag that the trainer reads between steps, so a system call the
  // signal lands in (a socket read of MPI's TCP transport, a file write) is restarted rather
  // than failing with EINTR.
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void add_common_options(CLI::App& cmd, CommonOptions& o, const std::string& out_help, bool out_required) {
  cmd.add_option("--seed", o.seed, "Random seed (same seed, same result)")->capture_default_str();
  cmd.add_option("--threads", o.threads, "Threads for kernels and BLAS (0 = all cores)")->capture_default_str();
  auto* out = cmd.add_option("--out", o.out, out_help);
  if (out_required) out->required();
}

std::string default_out_note(const CommonOptions& o, const std::string& fallback) {
  return o.out.empty() ? fmt::format("no --out given: writing the run to {}", fallback) : "";
}

void apply_common_options(const CommonOptions& o) {
  if (o.threads < 0) throw UsageError(fmt::format("--threads must be >= 0 (got {})", o.threads));
  int threads = o.threads;
  // Ranks on one machine would each take every core and fight over them.
  const char* local_ranks = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (threads == 0 && local_ranks && std::atoi(local_ranks) > 1)
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / std::atoi(local_ranks));
  core::set_num_threads(threads);
}

nn::Checkpoint read_resume_checkpoint(const std::string& path) {
  const std::string bytes = nn::distributed::read_on_root(nn::distributed::world(), [&] {
    if (!std::filesystem::exists(path)) throw UsageError(fmt::format("--resume: no checkpoint at {}", path));
    return nn::read_file_bytes(path, "checkpoint");
  });
  return nn::decode_checkpoint(bytes, path);
}

bool is_leader() { return nn::distributed::world().rank() == 0; }

void require_positive(const std::string& flag, double value) {
  if (!(value > 0)) throw UsageError(fmt::format("{} must be positive (got {})", flag, value));
}

void ensure_writable_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UsageError(fmt::format("cannot create output directory {}: {}", dir, ec.message()));
  if (!fs::is_directory(dir)) throw UsageError(fmt::format("output path {} is not a directory", dir));
  if (::access(dir.c_str(), W_OK) != 0)
    throw UsageError(fmt::format("cannot write to output directory {}: {}", dir, std::strerror(errno)));
}

}  // namespace xgrad::apps
