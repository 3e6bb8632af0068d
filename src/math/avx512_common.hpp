// Shared preamble of the AVX-512 kernel files (ntt_avx512.cpp, vecops_avx512.cpp,
// dotmod_avx512.cpp). Include it ONLY from files compiled with the AVX-512 flags: its functions
// are AVX-512 code, kept in an unnamed namespace so no copy of them can be picked by the linker
// for portable code.
#pragma once

// GCC 12 flags the intrinsics' own `__m512i __Y = __Y;` placeholders (GCC bug 105593), as
// "maybe" or, after some inlinings, definitely uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

// For the butterflies and products of the kernels: GCC's heuristics otherwise leave some of them
// out of line in the larger template instantiations (a call per vector, operands through memory).
#define FHECNN_ALWAYS_INLINE inline __attribute__((always_inline))

namespace fhecnn::math::detail {
namespace {

using V = __m512i;

inline V set1(std::uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
// x in [0, 2m) -> [0, m): the unsigned min of x and x - m (which wraps above 2^63 when x < m).
inline V reduce_once(V x, V m) { return _mm512_min_epu64(x, _mm512_sub_epi64(x, m)); }

}  // namespace
}  // namespace fhecnn::math::detail
