#include "image/data_flags.hpp"

namespace xgrad::apps {

void add_data_flags(CLI::App& cmd, DataOptions& data) {
  cmd.add_option("--data", data.dir,
                 "Fashion-MNIST directory, dsprites (generated, 64x64), an IDX images file (any MNIST-like set), a CSV "
                 "file (tabular rows), or a folder of PNG images (subfolders are classes)")
      ->capture_default_str();
  cmd.add_option("--image-size", data.image_size, "Image folders: resize every image to SIZE x SIZE")->capture_default_str();
  cmd.add_flag("--skip-bad", data.skip_bad, "Image folders: leave out files that are not readable PNG images");
  cmd.add_option("--label-column", data.label_column, "CSV: the column of class labels (a name, or #N: the N-th, from 0)");
}

}  // namespace xgrad::apps
