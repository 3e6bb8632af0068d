// Prime generation for NTT-friendly RNS moduli.
#pragma once

#include <cstdint>
#include <vector>

#include "math/modarith.hpp"

namespace fhecnn::math {

// Deterministic Miller-Rabin for all 64-bit n.
bool is_prime(u64 n);

// `count` distinct primes q = 1 mod (2 * n), each of exactly `bits` bits (2^(bits-1) < q < 2^bits),
// taken closest to 2^bits first, skipping any prime listed in `exclude`.
// Throws InvalidArgument when bits is outside [20, 61] or not enough primes exist.
std::vector<u64> generate_ntt_primes(int bits, std::size_t count, std::size_t n,
                                     const std::vector<u64>& exclude = {});

// A primitive (2n)-th root of unity mod prime q (q = 1 mod 2n): the smallest one, so the result
// is deterministic. Throws if none exists.
u64 primitive_root_2n(std::size_t n, const Modulus& q);

}  // namespace fhecnn::math
