// An OpenMP loop whose body may throw: exceptions must not leave an OpenMP region, so the first
// one is kept and rethrown after the loop (the other iterations still run). Header-only: the
// loop is parallel in translation units built with OpenMP (every fhecnn library is).
#pragma once

#include <cstddef>
#include <exception>

namespace fhecnn {

template <typename F>
void parallel_for_checked(std::size_t count, F&& body) {
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1)
  for (long i = 0; i < static_cast<long>(count); ++i) {
    try {
      body(static_cast<std::size_t>(i));
    } catch (...) {
#pragma omp critical(fhecnn_parallel_for_checked)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace fhecnn
