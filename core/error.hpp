#pragma once
// Errors thrown by xgrad. Messages name the op and the shapes involved, so a
// user can tell what was wrong from one line.
#include <stdexcept>
#include <string>

namespace xgrad::core {

/// Base class of every error xgrad throws on bad input.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Shapes that do not fit together (broadcasting, matmul, reshape, concat ...).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// An axis, index or argument outside its valid range.
class ValueError : public Error {
 public:
  using Error::Error;
};

}  // namespace xgrad::core
