// xgrad: train, evaluate and look at the VAE family from the command line.
// Every error a user can cause ends here as one line on stderr and a non-zero exit.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <new>

#include "common/cli.hpp"
#include "image/commands.hpp"
#include "sequence/commands.hpp"

int main(int argc, char** argv) {
  using namespace xgrad::apps;
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
    std::fprintf(stderr, "xgrad: error: %s (see --help)\n", e.what());
    return 2;
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "xgrad: %s\n", e.what());
    return 130;
  } catch (const xgrad::core::Error& e) {
    std::fprintf(stderr, "xgrad: error: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "xgrad: error: out of memory\n");
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xgrad: internal error: %s\n", e.what());
    return 4;
  }
}
