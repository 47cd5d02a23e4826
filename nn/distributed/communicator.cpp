#include "xgrad/nn/distributed/communicator.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <exception>

namespace xgrad::nn::distributed {

namespace {
std::unique_ptr<Communicator>& installed() {
  static std::unique_ptr<Communicator> comm;
  return comm;
}
}  // namespace

void SingleProcess::abort(int exit_code) { std::exit(exit_code); }

Communicator& world() {
  static SingleProcess single;
  return installed() ? *installed() : single;
}

std::unique_ptr<Communicator> set_world(std::unique_ptr<Communicator> comm) {
  std::swap(installed(), comm);
  return comm;
}

bool any_rank(Communicator& comm, bool flag) {
  std::array<double, 1> v{flag ? 1.0 : 0.0};
  comm.all_reduce_sum(v);
  return v[0] > 0;
}

std::string read_on_root(Communicator& comm, const std::function<std::string()>& read) {
  std::string bytes;
  std::exception_ptr error;
  std::int64_t size = 0;  // -1: rank 0 failed
  if (comm.rank() == 0) {
    try {
      bytes = read();
      size = static_cast<std::int64_t>(bytes.size());
    } catch (...) {
      error = std::current_exception();
      size = -1;
    }
  }
  comm.broadcast(std::as_writable_bytes(std::span(&size, 1)), 0);
  if (error) std::rethrow_exception(error);
  if (size < 0) throw FailedOnRoot();
  bytes.resize(static_cast<std::size_t>(size));
  comm.broadcast(std::as_writable_bytes(std::span(bytes.data(), bytes.size())), 0);
  return bytes;
}

}  // namespace xgrad::nn::distributed
