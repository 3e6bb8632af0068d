// Modular arithmetic for word-sized primes: Barrett (128-bit products) and Shoup (fixed operand).
// All functions expect inputs already reduced mod q unless the name says otherwise; q < 2^62.
#pragma once

#include <cstdint>

namespace fhecnn::math {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;

inline u64 mulhi(u64 a, u64 b) { return static_cast<u64>((static_cast<u128>(a) * b) >> 64); }

// A prime modulus with its Barrett constant floor(2^128 / q) split into two words.
struct Modulus {
  u64 value = 0;
  u64 ratio_lo = 0;  // low word of floor(2^128 / q)
  u64 ratio_hi = 0;  // high word of floor(2^128 / q)
  int bits = 0;      // bit length of q

  Modulus() = default;
  explicit Modulus(u64 q);
};

// x mod q for any 128-bit x (Barrett with floor(2^128/q)), result in [0, q).
inline u64 reduce_128(u128 x, const Modulus& q) {
  const u64 lo = static_cast<u64>(x), hi = static_cast<u64>(x >> 64);
  // quotient estimate = floor(x * ratio / 2^128); only its low word is needed.
  const u128 a = static_cast<u128>(lo) * q.ratio_lo;
  const u128 b = static_cast<u128>(lo) * q.ratio_hi;
  const u128 c = static_cast<u128>(hi) * q.ratio_lo;
  const u128 mid = (a >> 64) + static_cast<u64>(b) + static_cast<u64>(c);
  const u64 quot = hi * q.ratio_hi + static_cast<u64>(b >> 64) + static_cast<u64>(c >> 64) +
                   static_cast<u64>(mid >> 64);
  u64 r = lo - quot * q.value;
  while (r >= q.value) r -= q.value;
  return r;
}

inline u64 reduce_64(u64 x, const Modulus& q) { return reduce_128(x, q); }

inline u64 add_mod(u64 a, u64 b, u64 q) {
  u64 s = a + b;
  return s >= q ? s - q : s;
}
inline u64 sub_mod(u64 a, u64 b, u64 q) { return a >= b ? a - b : a + q - b; }
inline u64 neg_mod(u64 a, u64 q) { return a == 0 ? 0 : q - a; }

inline u64 mul_mod(u64 a, u64 b, const Modulus& q) {
  return reduce_128(static_cast<u128>(a) * b, q);
}

// Shoup: precompute w' = floor(w * 2^64 / q) for a fixed operand w < q.
inline u64 shoup_precompute(u64 w, u64 q) {
  return static_cast<u64>((static_cast<u128>(w) << 64) / q);
}
// a * w mod q in [0, 2q) for any a < 2^64.
inline u64 mul_shoup_lazy(u64 a, u64 w, u64 w_shoup, u64 q) {
  return a * w - mulhi(a, w_shoup) * q;
}
inline u64 mul_shoup(u64 a, u64 w, u64 w_shoup, u64 q) {
  u64 r = mul_shoup_lazy(a, w, w_shoup, q);
  return r >= q ? r - q : r;
}

u64 pow_mod(u64 base, u64 exp, const Modulus& q);
// Inverse of a mod prime q; throws InvalidArgument when a = 0 mod q.
u64 inv_mod(u64 a, const Modulus& q);

// Signed value to its residue mod q.
inline u64 from_signed(std::int64_t v, const Modulus& q) {
  if (v >= 0) return reduce_64(static_cast<u64>(v), q);
  u64 r = reduce_64(static_cast<u64>(-(v + 1)) + 1, q);
  return r == 0 ? 0 : q.value - r;
}

}  // namespace fhecnn::math
