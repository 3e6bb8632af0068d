// IFMA52 dot products mod q, k <= 16 terms.
//
// Narrow (q < 2^50, inputs < 2^50): each product y * w < 2^100 splits as hi * 2^52 + lo
// (vpmadd52huq / vpmadd52luq); summing k of them gives H < 2^52 and L < 2^56. After moving L's carry into H (H' = H + (L >> 52) < 2^52,
// L' = L mod 2^52), the result is H' * R + L' mod q with R = 2^52 mod q. Both terms are reduced
// by a 52-bit Shoup multiplication (by R and by 1), each landing in [0, 2q); the sum, in
// [0, 4q), takes two conditional subtractions.
//
// Wide (q < 2^61, inputs < 2^61; also needs AVX-512DQ for vpmullq): every product is split over
// three 52-bit columns (seven IFMA52 operations, avx512_wide.hpp) and the column sums are reduced
// once per output.
//
// Exact conversion's element-wise steps (AVX-512F/DQ): the overflow estimate converts, multiplies
// and adds in the reference's order with separate roundings (this file is compiled with
// -ffp-contract=off, so no product is fused into an FMA); the table subtraction looks its
// entries up with one vpermq (at most 8 entries) and subtracts with an unsigned-min correction.
#include "math/avx512_common.hpp"
#include "math/avx512_wide.hpp"

#include "math/dotmod.hpp"

namespace fhecnn::math::detail {
namespace {

// Reduces H * 2^52 + L (H < 2^52 after the carry, L < 2^56) mod q into [0, q).
struct Reducer {
  V vq, v2q, mask, vr, vrs, vos, one, zero;
  explicit Reducer(u64 qv) {
    const u64 r = static_cast<u64>((static_cast<u128>(1) << 52) % qv);
    vq = set1(qv);
    v2q = set1(2 * qv);
    mask = set1((u64{1} << 52) - 1);
    vr = set1(r);
    vrs = set1(static_cast<u64>((static_cast<u128>(r) << 52) / qv));
    vos = set1(static_cast<u64>((static_cast<u128>(1) << 52) / qv));
    one = set1(1);
    zero = _mm512_setzero_si512();
  }
  // Shoup: x * w - floor(x * w' / 2^52) * q, computed mod 2^52, lies in [0, 2q).
  V shoup(V x, V w, V ws) const {
    const V quot = _mm512_madd52hi_epu64(zero, x, ws);
    return _mm512_and_si512(
        _mm512_sub_epi64(_mm512_madd52lo_epu64(zero, x, w), _mm512_madd52lo_epu64(zero, quot, vq)), mask);
  }
  V reduce(V hi, V lo) const {
    hi = _mm512_add_epi64(hi, _mm512_srli_epi64(lo, 52));
    lo = _mm512_and_si512(lo, mask);
    const V sum = _mm512_add_epi64(shoup(hi, vr, vrs), shoup(lo, one, vos));
    return reduce_once(reduce_once(sum, v2q), vq);
  }
};

bool applies(u64 qv, std::size_t k, std::size_t n) {
  return qv < (u64{1} << 50) && k <= 16 && n % 8 == 0;
}

bool wide_applies(u64 qv, std::size_t k, std::size_t n) {
  return qv < kWideModBound && k <= 16 && n % 8 == 0;
}

}  // namespace

bool dot_mod_columns_ifma(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                          std::size_t n, const Modulus& q) {
  if (!applies(q.value, k, n)) return false;
  const Reducer red(q.value);
  V vw[16];
  for (std::size_t i = 0; i < k; ++i) vw[i] = set1(w[i]);
  for (std::size_t c = 0; c < n; c += 8) {
    V lo = red.zero, hi = red.zero;
    for (std::size_t i = 0; i < k; ++i) {
      const V y = _mm512_loadu_si512(cols[i] + c);
      lo = _mm512_madd52lo_epu64(lo, y, vw[i]);
      hi = _mm512_madd52hi_epu64(hi, y, vw[i]);
    }
    _mm512_storeu_si512(out + c, red.reduce(hi, lo));
  }
  return true;
}

bool dot_mod_pairs_ifma(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                        std::size_t n, const Modulus& q) {
  if (!applies(q.value, k, n)) return false;
  const Reducer red(q.value);
  for (std::size_t c = 0; c < n; c += 8) {
    V lo = red.zero, hi = red.zero;
    for (std::size_t i = 0; i < k; ++i) {
      const V x = _mm512_loadu_si512(a[i] + c), y = _mm512_loadu_si512(b[i] + c);
      lo = _mm512_madd52lo_epu64(lo, x, y);
      hi = _mm512_madd52hi_epu64(hi, x, y);
    }
    _mm512_storeu_si512(out + c, red.reduce(hi, lo));
  }
  return true;
}

bool dot_mod_columns_ifma_wide(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                               std::size_t n, const Modulus& q) {
  if (!wide_applies(q.value, k, n)) return false;
  const WideReducer red(q.value);
  V vw[16], vw1[16];
  for (std::size_t i = 0; i < k; ++i) {
    vw[i] = set1(w[i]);
    vw1[i] = set1(w[i] >> 52);
  }
  for (std::size_t c = 0; c < n; c += 8) {
    Columns acc;
    for (std::size_t i = 0; i < k; ++i) {
      const V y = _mm512_loadu_si512(cols[i] + c);
      mac_wide(acc, y, shr52(y), vw[i], vw1[i]);
    }
    _mm512_storeu_si512(out + c, red.finish(red.reduce_lazy(acc)));
  }
  return true;
}

bool dot_mod_pairs_ifma_wide(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                             std::size_t n, const Modulus& q) {
  if (!wide_applies(q.value, k, n)) return false;
  const WideReducer red(q.value);
  for (std::size_t c = 0; c < n; c += 8) {
    Columns acc;
    for (std::size_t i = 0; i < k; ++i) {
      const V x = _mm512_loadu_si512(a[i] + c), y = _mm512_loadu_si512(b[i] + c);
      mac_wide(acc, x, shr52(x), y, shr52(y));
    }
    _mm512_storeu_si512(out + c, red.finish(red.reduce_lazy(acc)));
  }
  return true;
}

void overflow_estimate_avx512(const u64* const* cols, const double* inv, std::size_t k,
                              std::uint8_t* u, std::size_t n) {
  std::size_t c = 0;
  const auto block = [&](std::size_t at, __mmask8 m) {
    __m512d f = _mm512_setzero_pd();
    for (std::size_t i = 0; i < k; ++i) {
      const V x = _mm512_maskz_loadu_epi64(m, cols[i] + at);
      f = _mm512_add_pd(f, _mm512_mul_pd(_mm512_cvtepu64_pd(x), _mm512_set1_pd(inv[i])));
    }
    _mm512_mask_cvtepi64_storeu_epi8(u + at, m, _mm512_cvttpd_epu64(f));
  };
  for (; c + 8 <= n; c += 8) block(c, 0xFF);
  if (c < n) block(c, static_cast<__mmask8>((1u << (n - c)) - 1));
}

bool sub_table_mod_vec_avx512(u64* out, const std::uint8_t* idx, const u64* table,
                              std::size_t table_size, std::size_t n, const Modulus& q) {
  if (table_size > 8 || table_size == 0) return false;
  const __mmask8 tm = static_cast<__mmask8>((1u << table_size) - 1);
  const V t = _mm512_maskz_loadu_epi64(tm, table), vq = set1(q.value);
  std::size_t c = 0;
  const auto block = [&](std::size_t at, __mmask8 m, const std::uint8_t* bytes) {
    const V i = _mm512_cvtepu8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes)));
    const V d = _mm512_sub_epi64(_mm512_maskz_loadu_epi64(m, out + at), _mm512_permutexvar_epi64(i, t));
    _mm512_mask_storeu_epi64(out + at, m, _mm512_min_epu64(d, _mm512_add_epi64(d, vq)));
  };
  for (; c + 8 <= n; c += 8) block(c, 0xFF, idx + c);
  if (c < n) {  // the tail's indices copied so that no byte past idx[n - 1] is read
    std::uint8_t tail[8] = {};
    for (std::size_t j = 0; c + j < n; ++j) tail[j] = idx[c + j];
    block(c, static_cast<__mmask8>((1u << (n - c)) - 1), tail);
  }
  return true;
}

}  // namespace fhecnn::math::detail
