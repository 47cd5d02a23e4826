// xgrad: train, evaluate and look at the VAE family from the command line.
// Every error a user can cause ends here as one line on stderr and a non-zero exit.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <new>

#include "common/cli.hpp"
#include "xgrad/nn/distributed/communicator.hpp"
#ifdef XGRAD_HAVE_MPI
#include "xgrad/nn/distributed/mpi/mpi_communicator.hpp"
#endif
#include "image/commands.hpp"
#include "sequence/commands.hpp"

namespace {

using namespace xgrad::apps;

/// "xgrad", or "xgrad (rank 1 of 2)" in a data-parallel run: which rank a line comes from.
std::string who() {
  const auto& w = xgrad::nn::distributed::world();
  return w.size() > 1 ? fmt::format("xgrad (rank {} of {})", w.rank(), w.size()) : "xgrad";
}

int run(int argc, char** argv) {
  CLI::App app{"xgrad: train, evaluate and compare variational autoencoders; model text and time series", "xgrad"};
  app.set_version_flag("--version", XGRAD_VERSION);
  app.require_subcommand(1);
  add_train_command(app);
  add_eval_command(app);
  add_sample_command(app);
  add_train_prior_command(app);
  add_reconstruct_command(app);
  add_interpolate_command(app);
  add_traverse_command(app);
  add_classifier_command(app);
  add_compare_command(app);
  add_report_command(app);
  add_anomaly_command(app);
  add_denoise_command(app);
  add_embed_command(app);
  add_augment_command(app);
  add_arithmetic_command(app);
  add_text_command(app);
  add_series_command(app);
  try {
    app.parse(argc, argv);  // subcommands run in their callbacks
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes (106 for a missing option, ...) mean nothing to a user: a usage error is 2.
    std::fprintf(stderr, "%s: error: %s (see --help)\n", who().c_str(), e.what());
    return 2;
  } catch (const Interrupted& e) {
    if (is_leader()) std::fprintf(stderr, "xgrad: %s\n", e.what());  // every rank stopped at the same step
    return 130;
  } catch (const xgrad::nn::distributed::FailedOnRoot&) {
    return 2;  // rank 0's own error line says why
  } catch (const xgrad::core::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", who().c_str(), e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", who().c_str());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", who().c_str(), e.what());
    return 4;
  }
}

}  // namespace

int main(int argc, char** argv) {
#ifdef XGRAD_HAVE_MPI
  // Launched by mpirun: one rank of a data-parallel run; otherwise nothing changes.
  const xgrad::nn::distributed::MpiSession mpi(argc, argv);
#endif
  const int code = run(argc, argv);
  // A failed rank ends them all: the others may be waiting for it in a collective.
  auto& world = xgrad::nn::distributed::world();
  if (code != 0 && code != 130 && world.size() > 1) world.abort(code);
  return code;
}
