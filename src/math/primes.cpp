#include "math/primes.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace fhecnn::math {

bool is_prime(u64 n) {
  if (n < 2) return false;
  for (u64 p : {2ull, 3ull, 5ull, 7ull, 11ull, 13ull, 17ull, 19ull, 23ull, 29ull, 31ull, 37ull}) {
    if (n % p == 0) return n == p;
  }
  u64 d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  auto mulm = [n](u64 a, u64 b) { return static_cast<u64>(static_cast<u128>(a) * b % n); };
  auto powm = [&](u64 b, u64 e) {
    u64 r = 1;
    while (e) {
      if (e & 1) r = mulm(r, b);
      b = mulm(b, b);
      e >>= 1;
    }
    return r;
  };
  for (u64 a : {2ull, 3ull, 5ull, 7ull, 11ull, 13ull, 17ull, 19ull, 23ull, 29ull, 31ull, 37ull}) {
    u64 x = powm(a, d);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      x = mulm(x, x);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

std::vector<u64> generate_ntt_primes(int bits, std::size_t count, std::size_t n,
                                     const std::vector<u64>& exclude) {
  require(bits >= 20 && bits <= 61, "generate NTT primes", "bit size ", bits,
          " is outside [20, 61]");
  const u64 m = 2 * static_cast<u64>(n);
  const u64 lower = u64{1} << (bits - 1);
  std::vector<u64> out;
  // Largest candidate below 2^bits that is 1 mod 2n.
  u64 q = ((u64{1} << bits) - 1) / m * m + 1;
  if (q >= (u64{1} << bits)) q -= m;
  for (; out.size() < count && q > lower; q -= m) {
    if (is_prime(q) && std::find(exclude.begin(), exclude.end(), q) == exclude.end()) {
      out.push_back(q);
    }
  }
  require(out.size() == count, "generate NTT primes", "only ", out.size(), " of ", count,
          " primes of ", bits, " bits are 1 mod ", m);
  return out;
}

u64 primitive_root_2n(std::size_t n, const Modulus& q) {
  const u64 m = 2 * static_cast<u64>(n);
  require((q.value - 1) % m == 0, "find a primitive root", q.value, " is not 1 mod ", m);
  const u64 cofactor = (q.value - 1) / m;
  for (u64 x = 2; x < q.value; ++x) {
    const u64 g = pow_mod(x, cofactor, q);
    if (pow_mod(g, n, q) == q.value - 1) {
      // g has order exactly 2n; return the smallest odd power for determinism.
      u64 best = g, gg = mul_mod(g, g, q), cur = g;
      for (u64 k = 3; k < m; k += 2) {
        cur = mul_mod(cur, gg, q);
        best = std::min(best, cur);
      }
      return best;
    }
  }
  fail("find a primitive root", "none modulo ", q.value);
}

}  // namespace fhecnn::math
