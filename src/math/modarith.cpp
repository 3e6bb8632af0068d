#include "math/modarith.hpp"

#include "common/error.hpp"

namespace fhecnn::math {

Modulus::Modulus(u64 q) : value(q) {
  require(q >= 2 && q < (u64{1} << 62), "make modulus", "q = ", q, " is outside [2, 2^62)");
  // floor(2^128 / q) = floor((2^128 - 1) / q) since q does not divide 2^128 (q odd or small).
  const u128 all = ~u128{0};
  const u128 ratio = all / q + ((all % q) + 1 == q ? 1 : 0);
  ratio_lo = static_cast<u64>(ratio);
  ratio_hi = static_cast<u64>(ratio >> 64);
  bits = 64 - __builtin_clzll(q);
}

u64 pow_mod(u64 base, u64 exp, const Modulus& q) {
  u64 r = 1 % q.value, b = reduce_64(base, q);
  while (exp) {
    if (exp & 1) r = mul_mod(r, b, q);
    b = mul_mod(b, b, q);
    exp >>= 1;
  }
  return r;
}

u64 inv_mod(u64 a, const Modulus& q) {
  const u64 r = reduce_64(a, q);
  require(r != 0, "invert modulo q", a, " is 0 mod ", q.value);
  return pow_mod(r, q.value - 2, q);
}

}  // namespace fhecnn::math
