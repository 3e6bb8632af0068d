// Process-wide allocator settings for workloads made of many large (multi-MiB) polynomials.
#pragma once

namespace fhecnn {

// glibc serves allocations above its mmap threshold (128 KiB to 32 MiB, adaptive) with fresh
// mmaps and trims freed heap memory eagerly, so every temporary polynomial of key switching
// (10-20 MiB at N = 2^16) costs page faults and page zeroing: about half of a key switch.
// This raises the mmap threshold to its maximum (32 MiB) and keeps freed memory for reuse.
// Call once at program start (the fhecnn tool, benchmarks and tests do); a no-op elsewhere.
void tune_allocator_for_large_buffers();

}  // namespace fhecnn
