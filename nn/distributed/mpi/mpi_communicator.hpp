#pragma once
// The MPI communicator (Open MPI from Debian, or any MPI): built only when CMake finds
// MPI, and linked by the xgrad program, not by the libraries, so nothing else needs MPI.
#include <memory>

#include "xgrad/nn/distributed/communicator.hpp"

namespace xgrad::nn::distributed {

/// Whether an MPI launcher (mpirun, or a scheduler's through PMI/PMIx) started this process.
bool launched_by_mpi();

/// MPI for the life of the object: when launched_by_mpi(), initialises MPI and installs
/// MPI_COMM_WORLD as world(); otherwise does nothing and the program is one process.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  bool active() const { return active_; }

 private:
  bool active_ = false;
};

}  // namespace xgrad::nn::distributed
