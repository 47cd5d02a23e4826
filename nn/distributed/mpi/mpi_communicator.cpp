#include "xgrad/nn/distributed/mpi/mpi_communicator.hpp"

#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "xgrad/core/error.hpp"

namespace xgrad::nn::distributed {

namespace {

// A sum that MPI must treat as non-commutative: it then combines the ranks' buffers
// in rank order, so the bits depend only on the inputs (not on the algorithm MPI
// picks for a message size), and every rank receives the same result.
/// MPI_COMM_WORLD returns errors (MPI_ERRORS_RETURN) instead of aborting with MPI's own
/// report: a failed collective becomes the program's one error line.
void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw xgrad::core::Error(std::string("MPI ") + what + " failed: " + std::string(text, static_cast<std::size_t>(length)) +
                           " (another rank ended, or the network between ranks failed)");
}

template <class T>
void ordered_sum(void* in, void* inout, int* len, MPI_Datatype*) {
  const T* a = static_cast<const T*>(in);
  T* b = static_cast<T*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = a[i] + b[i];
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Op_create(&ordered_sum<float>, 0, &sum_float_);
    MPI_Op_create(&ordered_sum<double>, 0, &sum_double_);
  }
  ~MpiCommunicator() override {
    MPI_Op_free(&sum_float_);
    MPI_Op_free(&sum_double_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void all_reduce_sum(std::span<float> data) override { reduce(data.data(), data.size(), MPI_FLOAT, sum_float_); }
  void all_reduce_sum(std::span<double> data) override { reduce(data.data(), data.size(), MPI_DOUBLE, sum_double_); }
  void broadcast(std::span<std::byte> data, int root) override {
    for (std::size_t at = 0; at < data.size(); at += kChunk)
      check(MPI_Bcast(data.data() + at, count(data.size() - at), MPI_BYTE, root, MPI_COMM_WORLD), "broadcast");
  }
  [[noreturn]] void abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);  // MPI_Abort does not return; this tells the compiler so
  }

 private:
  static constexpr std::size_t kChunk = INT_MAX / 8;  // MPI counts are ints
  static int count(std::size_t left) { return static_cast<int>(left < kChunk ? left : kChunk); }
  template <class T>
  void reduce(T* data, std::size_t n, MPI_Datatype type, MPI_Op op) {
    for (std::size_t at = 0; at < n; at += kChunk)
      check(MPI_Allreduce(MPI_IN_PLACE, data + at, count(n - at), type, op, MPI_COMM_WORLD), "all-reduce");
  }

  int rank_ = 0, size_ = 1;
  MPI_Op sum_float_{}, sum_double_{};
};

}  // namespace

bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(var)) return true;
  return false;
}

MpiSession::MpiSession(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  // Only the main thread calls MPI (the data loader's thread and TBB's workers never do).
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  set_world(std::make_unique<MpiCommunicator>());
  active_ = true;
}

MpiSession::~MpiSession() {
  if (!active_) return;
  set_world(nullptr);
  MPI_Finalize();
}

}  // namespace xgrad::nn::distributed
