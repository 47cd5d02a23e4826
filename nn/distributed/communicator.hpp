#pragma once
// The collective operations data-parallel training needs, behind a small interface:
// the library never depends on MPI. The program installs an MPI communicator when
// it was launched by mpirun (nn/distributed/mpi); everything else sees one process,
// whose collectives do nothing, so a run without MPI is exactly a run as before.
#include <cstddef>
#include <memory>
#include <span>

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

}  // namespace xgrad::nn::distributed
