#include "xgrad/core/blas.hpp"

#include <cpuid.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <algorithm>
#include <string>
#include <vector>

#include "xgrad/core/error.hpp"

// OpenBLAS is opened with dlopen rather than linked: its kernels are chosen by a
// constructor that runs when the library loads, and on this generation of Xeons
// OpenBLAS 0.3.21 falls back to generic "Prescott" kernels (5x slower) unless
// OPENBLAS_CORETYPE is in the environment by then. Loading it ourselves lets us
// set that variable from the CPU's features first, without the user knowing.
namespace xgrad::core::blas {
namespace {

using GemmS = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
using GemmD = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*,
                       int);

// cblas_?omatcopy: order, trans, rows, cols, alpha, a, lda, b, ldb.
using CopyS = void (*)(int, int, int, int, float, const float*, int, float*, int);
using CopyD = void (*)(int, int, int, int, double, const double*, int, double*, int);

// LAPACK's Fortran symmetric eigensolver (OpenBLAS ships LAPACK): jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info.
using Syevd = void (*)(const char*, const char*, const int*, double*, const int*, double*, double*, const int*, int*,
                       const int*, int*);

struct Api {
  GemmS sgemm = nullptr;
  GemmD dgemm = nullptr;
  CopyS somatcopy = nullptr;
  CopyD domatcopy = nullptr;
  char* (*corename)() = nullptr;
  void (*set_threads)(int) = nullptr;
  Syevd dsyevd = nullptr;  // checked at use: only the eigensolver's callers need it
  std::string best_core;  // what this CPU should run
};

bool cpu_has_avx512() {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
  return f && dq && bw && vl;
}

bool cpu_has_avx2() {
  unsigned a, b, c, d;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5));
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

Api load() {
  Api api;
  api.best_core = cpu_has_avx512() ? "SkylakeX" : cpu_has_avx2() ? "Haswell" : "";
  // A user's explicit choice wins; setenv without overwrite keeps it.
  if (!api.best_core.empty()) setenv("OPENBLAS_CORETYPE", api.best_core.c_str(), 0);
  void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!h) throw Error(std::string("blas: cannot load OpenBLAS (libopenblas.so.0): ") + dlerror());
  api.sgemm = reinterpret_cast<GemmS>(dlsym(h, "cblas_sgemm"));
  api.dgemm = reinterpret_cast<GemmD>(dlsym(h, "cblas_dgemm"));
  api.somatcopy = reinterpret_cast<CopyS>(dlsym(h, "cblas_somatcopy"));
  api.domatcopy = reinterpret_cast<CopyD>(dlsym(h, "cblas_domatcopy"));
  api.corename = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_corename"));
  api.set_threads = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"));
  api.dsyevd = reinterpret_cast<Syevd>(dlsym(h, "dsyevd_"));
  if (!api.sgemm || !api.dgemm || !api.somatcopy || !api.domatcopy || !api.corename || !api.set_threads)
    throw Error("blas: libopenblas.so.0 lacks cblas_sgemm, cblas_dgemm, cblas_somatcopy, cblas_domatcopy or "
                "openblas_get_corename");
  // One BLAS thread: detail::gemm splits large products over TBB itself (see gemm.hpp).
  api.set_threads(1);
  const std::string got = api.corename();
  if (!api.best_core.empty() && lower(got) != lower(api.best_core))
    std::fprintf(stderr,
                 "xgrad: warning: OpenBLAS uses its '%s' kernels; this CPU supports '%s' (matrix products will be "
                 "slow; was OpenBLAS loaded before xgrad, or OPENBLAS_CORETYPE set?)\n",
                 got.c_str(), api.best_core.c_str());
  return api;
}

const Api& api() {
  static const Api a = load();
  return a;
}

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

}  // namespace

void sgemm(bool ta, bool tb, long m, long n, long k, float alpha, const float* a, long lda, const float* b, long ldb,
           float beta, float* c, long ldc) {
  api().sgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
              static_cast<int>(ldc));
}

void dgemm(bool ta, bool tb, long m, long n, long k, double alpha, const double* a, long lda, const double* b,
           long ldb, double beta, double* c, long ldc) {
  api().dgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
              static_cast<int>(ldc));
}

void transpose(long rows, long cols, const float* a, long lda, float* b, long ldb) {
  if (rows == 0 || cols == 0) return;
  api().somatcopy(kRowMajor, kTrans, static_cast<int>(rows), static_cast<int>(cols), 1.f, a, static_cast<int>(lda), b,
                  static_cast<int>(ldb));
}

void transpose(long rows, long cols, const double* a, long lda, double* b, long ldb) {
  if (rows == 0 || cols == 0) return;
  api().domatcopy(kRowMajor, kTrans, static_cast<int>(rows), static_cast<int>(cols), 1.0, a, static_cast<int>(lda), b,
                  static_cast<int>(ldb));
}

int dsyevd(long n, double* a, double* w) {
  if (!api().dsyevd) throw Error("blas: libopenblas.so.0 lacks LAPACK's dsyevd_");
  const int nn = static_cast<int>(n), lda = std::max(nn, 1);
  int info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  double work_query = 0;
  api().dsyevd("V", "U", &nn, a, &lda, w, &work_query, &lwork, &iwork_query, &liwork, &info);  // workspace sizes
  if (info != 0) return info;
  lwork = static_cast<int>(work_query), liwork = iwork_query;
  std::vector<double> work(static_cast<std::size_t>(std::max(lwork, 1)));
  std::vector<int> iwork(static_cast<std::size_t>(std::max(liwork, 1)));
  api().dsyevd("V", "U", &nn, a, &lda, w, work.data(), &lwork, iwork.data(), &liwork, &info);
  return info;
}

std::string core_name() { return api().corename(); }

bool fast_path() { return api().best_core.empty() || lower(core_name()) == lower(api().best_core); }

void set_num_threads(int n) { api().set_threads(n); }

}  // namespace xgrad::core::blas
