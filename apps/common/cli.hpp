#pragma once
// What every subcommand shares: the common flags (--seed, --threads, --out),
// the error type for mistakes a user can make, and the signal flag that lets a
// long run stop cleanly between batches.
#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdint>
#include <string>

#include "xgrad/core/error.hpp"

namespace xgrad::nn {
struct Checkpoint;
}

namespace xgrad::apps {

/// A mistake on the command line or in the files it names; main prints
/// "xgrad: error: <what>" and exits with 2.
class UsageError : public core::Error {
 public:
  using core::Error::Error;
};

/// A run stopped by SIGINT/SIGTERM after writing its checkpoint; main exits with 130.
class Interrupted : public core::Error {
 public:
  using core::Error::Error;
};

struct CommonOptions {
  std::uint64_t seed = 1;
  int threads = 0;  ///< 0: all hardware threads
  std::string out{};
};

/// Adds --seed, --threads and --out (required when `out_required`).
void add_common_options(CLI::App& cmd, CommonOptions& o, const std::string& out_help, bool out_required);
/// The line that says where a run goes when --out was not given ("" when it was):
/// no run lands in a folder the user did not name without a word. Printed once the
/// run has started, so that a usage error stays one line.
std::string default_out_note(const CommonOptions& o, const std::string& fallback);
/// Applies --threads: threads per process. 0 means all cores, shared out among the
/// ranks of a data-parallel run that run on this machine.
void apply_common_options(const CommonOptions& o);

/// Whether this process prints and writes: always, but in a data-parallel run
/// (launched by mpirun) only rank 0; the others train and stay quiet.
bool is_leader();

/// The checkpoint --resume continues from (UsageError when there is none). In a
/// data-parallel run rank 0 reads it and sends it to the others.
nn::Checkpoint read_resume_checkpoint(const std::string& path);

/// Set by SIGINT/SIGTERM once install_stop_handlers() has run; long loops poll it.
extern std::atomic<bool> g_stop_requested;
void install_stop_handlers();

/// Throws UsageError unless value > 0 ("--batch must be positive (got 0)").
void require_positive(const std::string& flag, double value);

/// Creates `dir` (and parents) and checks that a file can be written in it.
void ensure_writable_dir(const std::string& dir);

}  // namespace xgrad::apps
