// Process-wide allocator settings for workloads made of many large (multi-MiB) polynomials.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace fhecnn {

// An allocator whose value-initialisation (vector(n), resize(n)) leaves trivial elements
// uninitialised: large buffers that are overwritten anyway skip a memset (and, on fresh pages,
// the page faults it would trigger). Explicit values (vector(n, 0)) still initialise.
template <typename T, typename A = std::allocator<T>>
class DefaultInitAllocator : public A {
  using Traits = std::allocator_traits<A>;

 public:
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U, typename Traits::template rebind_alloc<U>>;
  };
  using A::A;

  template <typename U>
  void construct(U* ptr) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(ptr)) U;
  }
  template <typename U, typename... Args>
  void construct(U* ptr, Args&&... args) {
    Traits::construct(static_cast<A&>(*this), ptr, std::forward<Args>(args)...);
  }
};

// glibc serves allocations above its mmap threshold (128 KiB to 32 MiB, adaptive) with fresh
// mmaps and trims freed heap memory eagerly, so every temporary polynomial of key switching
// (10-20 MiB at N = 2^16) costs page faults and page zeroing: about half of a key switch.
// This raises the mmap threshold to its maximum (32 MiB) and keeps freed memory for reuse.
// Call once at program start (the fhecnn tool, benchmarks and tests do); a no-op elsewhere.
void tune_allocator_for_large_buffers();

}  // namespace fhecnn
