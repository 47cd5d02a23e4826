#pragma once
// The collective operations data-parallel training needs, behind a small interface:
// the library never depends on MPI. The program installs an MPI communicator when
// it was launched by mpirun (nn/distributed/mpi); everything else sees one process,
// whose collectives do nothing, so a run without MPI is exactly a run as before.
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "xgrad/core/error.hpp"

namespace xgrad::nn::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Element-wise sum over every rank, in place; every rank gets the same bits, and
  /// the same inputs give the same bits every time (a fixed reduction order).
  virtual void all_reduce_sum(std::span<float> data) = 0;
  virtual void all_reduce_sum(std::span<double> data) = 0;
  /// Rank `root`'s bytes into every rank's `data` (the same size everywhere).
  virtual void broadcast(std::span<std::byte> data, int root) = 0;
  /// Ends every rank with `exit_code`: an error on one rank must not leave the others
  /// waiting in a collective.
  [[noreturn]] virtual void abort(int exit_code) = 0;
};

/// One process: rank 0 of 1; the collectives leave their data as it is.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_reduce_sum(std::span<float>) override {}
  void all_reduce_sum(std::span<double>) override {}
  void broadcast(std::span<std::byte>, int) override {}
  [[noreturn]] void abort(int exit_code) override;
};

/// The process's communicator: SingleProcess unless set_world installed another.
Communicator& world();
/// Installs the process's communicator (null: back to SingleProcess); returns the previous one.
std::unique_ptr<Communicator> set_world(std::unique_ptr<Communicator> comm);

/// Whether any rank passes true (a collective: every rank must call it).
bool any_rank(Communicator& comm, bool flag);

/// Thrown on the other ranks when rank 0 failed at something they do together: rank 0's
/// own error says what, so the program ends without a second message.
class FailedOnRoot : public core::Error {
 public:
  FailedOnRoot() : core::Error("rank 0 failed (its error says why)") {}
};

/// Rank 0's `read()` (a file's bytes) on every rank: read once and broadcast, so the file
/// need only be visible to rank 0 and is read once. A collective. When read() throws on
/// rank 0 the error is rethrown there, and the other ranks throw FailedOnRoot.
std::string read_on_root(Communicator& comm, const std::function<std::string()>& read);

}  // namespace xgrad::nn::distributed
