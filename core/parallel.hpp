#pragma once
// The one place that decides how many threads xgrad uses (TBB and BLAS together),
// and a parallel loop that keeps TBB out of the headers.
#include <cstdint>
#include <type_traits>
#include <utility>

namespace xgrad::core {

/// Sets the threads used by element-wise ops, reductions, convolutions and BLAS.
/// n <= 0 means all hardware threads.
void set_num_threads(int n);
int num_threads();

/// A non-owning reference to a callable (no allocation, unlike std::function).
template <class Sig>
class FunctionRef;
template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT: implicit by design, like std::function
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Args... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...); }) {}
  R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

/// Calls body(lo, hi) over disjoint ranges covering [begin, end). Runs inline when
/// the range is at most `grain` long or one thread is set; otherwise in TBB chunks
/// of at least `grain`. Bodies must not depend on how the range is cut.
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  FunctionRef<void(std::int64_t, std::int64_t)> body);

/// The grain of a parallel_for over rows of `row_elements` elements each, for tasks of
/// about `elements` elements: that many rows, at least one.
inline std::int64_t rows_per_task(std::int64_t elements, std::int64_t row_elements) {
  const std::int64_t rows = elements / (row_elements > 0 ? row_elements : 1);
  return rows > 0 ? rows : 1;
}

/// How many threads a parallel_for can run on at once (its slots).
int thread_slots();
/// The calling thread's slot in [0, thread_slots()) inside a parallel_for body (0 outside).
/// Bodies of one loop running at the same time have different slots, and a loop is
/// isolated (a waiting thread never starts another task of an outer loop), so a loop can
/// give each slot its own scratch, allocated once before the loop: the memory a step takes
/// then does not depend on how tasks happened to be scheduled.
int thread_slot();

}  // namespace xgrad::core
