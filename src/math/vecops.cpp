#include "math/vecops.hpp"

#include "math/cpu.hpp"

namespace fhecnn::math {
namespace {
bool use_avx512() {
  const auto& f = cpu_features();
  return f.avx512f && f.avx512dq && f.avx512vl;
}
}  // namespace

void detail::add_mod_vec_reference(const u64* a, const u64* b, u64* out, std::size_t n,
                                   const Modulus& q) {
  const u64 m = q.value;
  for (std::size_t i = 0; i < n; ++i) {
    const u64 s = a[i] + b[i];
    out[i] = s >= m ? s - m : s;
  }
}

void detail::sub_mod_vec_reference(const u64* a, const u64* b, u64* out, std::size_t n,
                                   const Modulus& q) {
  const u64 m = q.value;
  for (std::size_t i = 0; i < n; ++i) {
    const u64 d = a[i] + m - b[i];
    out[i] = d >= m ? d - m : d;
  }
}

void add_mod_vec(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::add_mod_vec_avx512(a, b, out, n, q)) return;
  detail::add_mod_vec_reference(a, b, out, n, q);
}

void sub_mod_vec(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::sub_mod_vec_avx512(a, b, out, n, q)) return;
  detail::sub_mod_vec_reference(a, b, out, n, q);
}

void neg_mod_vec(const u64* a, u64* out, std::size_t n, const Modulus& q) {
  const u64 m = q.value;
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] == 0 ? 0 : m - a[i];
}

namespace detail {
void mul_mod_vec_reference(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  for (std::size_t i = 0; i < n; ++i) out[i] = mul_mod(a[i], b[i], q);
}

void mul_add_mod_vec_reference(const u64* a, const u64* b, u64* acc, std::size_t n,
                               const Modulus& q) {
  for (std::size_t i = 0; i < n; ++i) acc[i] = add_mod(acc[i], mul_mod(a[i], b[i], q), q.value);
}
}  // namespace detail

void mul_mod_vec(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::mul_mod_vec_avx512(a, b, out, n, q)) return;
  detail::mul_mod_vec_reference(a, b, out, n, q);
}

void mul_add_mod_vec(const u64* a, const u64* b, u64* acc, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::mul_add_mod_vec_avx512(a, b, acc, n, q)) return;
  detail::mul_add_mod_vec_reference(a, b, acc, n, q);
}

void detail::add_scalar_reduce_vec_reference(const u64* a, u64 c, u64* out, std::size_t n,
                                             const Modulus& q) {
  for (std::size_t i = 0; i < n; ++i) out[i] = (a[i] + c) % q.value;
}

void add_scalar_reduce_vec(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::add_scalar_reduce_vec_avx512(a, c, out, n, q)) return;
  detail::add_scalar_reduce_vec_reference(a, c, out, n, q);
}

void detail::permute_vec_reference(const u64* src, const std::uint32_t* perm, u64* dst,
                                   std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) dst[k] = src[perm[k]];
}

void permute_vec(const u64* src, const std::uint32_t* perm, u64* dst, std::size_t n) {
  if (use_avx512()) return detail::permute_vec_avx512(src, perm, dst, n);
  detail::permute_vec_reference(src, perm, dst, n);
}

void detail::add_scalar_mod_vec_reference(const u64* a, u64 c, u64* out, std::size_t n,
                                          const Modulus& q) {
  for (std::size_t i = 0; i < n; ++i) out[i] = add_mod(a[i], c, q.value);
}

void add_scalar_mod_vec(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::add_scalar_mod_vec_avx512(a, c, out, n, q)) return;
  detail::add_scalar_mod_vec_reference(a, c, out, n, q);
}

void detail::reduce_signed_vec_reference(const std::int64_t* v, u64* out, std::size_t n,
                                         const Modulus& q) {
  for (std::size_t i = 0; i < n; ++i) out[i] = from_signed(v[i], q);
}

void reduce_signed_vec(const std::int64_t* v, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::reduce_signed_vec_avx512(v, out, n, q)) return;
  detail::reduce_signed_vec_reference(v, out, n, q);
}

void detail::sub_mul_scalar_mod_vec_reference(const u64* a, const u64* b, u64 s, u64* out,
                                              std::size_t n, const Modulus& q) {
  const u64 ss = shoup_precompute(s, q.value);
  for (std::size_t i = 0; i < n; ++i) out[i] = mul_shoup(sub_mod(a[i], b[i], q.value), s, ss, q.value);
}

void sub_mul_scalar_mod_vec(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                            const Modulus& q) {
  if (use_avx512() && detail::sub_mul_scalar_mod_vec_avx512(a, b, s, out, n, q)) return;
  detail::sub_mul_scalar_mod_vec_reference(a, b, s, out, n, q);
}

void detail::mul_scalar_mod_vec_reference(const u64* a, u64 s, u64* out, std::size_t n,
                                          const Modulus& q) {
  const u64 ss = shoup_precompute(s, q.value);
  for (std::size_t i = 0; i < n; ++i) out[i] = mul_shoup(a[i], s, ss, q.value);
}

void detail::mul_scalar_add_mod_vec_reference(const u64* a, u64 s, u64* out, std::size_t n,
                                              const Modulus& q) {
  const u64 ss = shoup_precompute(s, q.value);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = add_mod(out[i], mul_shoup(a[i], s, ss, q.value), q.value);
  }
}

void mul_scalar_mod_vec(const u64* a, u64 s, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::mul_scalar_mod_vec_avx512(a, s, out, n, q)) return;
  detail::mul_scalar_mod_vec_reference(a, s, out, n, q);
}

void mul_scalar_add_mod_vec(const u64* a, u64 s, u64* out, std::size_t n, const Modulus& q) {
  if (use_avx512() && detail::mul_scalar_add_mod_vec_avx512(a, s, out, n, q)) return;
  detail::mul_scalar_add_mod_vec_reference(a, s, out, n, q);
}

}  // namespace fhecnn::math
