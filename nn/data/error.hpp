#pragma once
// The error every data reader and writer throws: a file that cannot be read or
// written, or whose contents are malformed. Messages are one line that starts
// with the reader and the file ("idx: /x/labels.gz: ...").
#include "xgrad/core/error.hpp"

namespace xgrad::nn {

class DataError : public core::Error {
 public:
  using core::Error::Error;
};

}  // namespace xgrad::nn
