#include "common/memory.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc systems; the check below needs it

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fhecnn {

void tune_allocator_for_large_buffers() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace fhecnn
