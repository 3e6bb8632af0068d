#include "math/ntt.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "math/cpu.hpp"
#include "math/primes.hpp"

namespace fhecnn::math {

std::string to_string(NttKernel k) {
  switch (k) {
    case NttKernel::Reference: return "reference";
    case NttKernel::Avx512: return "avx512";
    case NttKernel::Avx512Ifma: return "avx512-ifma";
  }
  return "unknown";
}

namespace {
bool kernel_runs_here(const NttTables& t, NttKernel k);
}  // namespace

std::size_t bit_reverse(std::size_t x, int bits) {
  std::size_t r = 0;
  for (int i = 0; i < bits; ++i) {
    r = (r << 1) | (x & 1);
    x >>= 1;
  }
  return r;
}

NttTables::NttTables(std::size_t n, const Modulus& q) : n_(n), q_(q) {
  require(n >= 2 && n <= (std::size_t{1} << 17) && (n & (n - 1)) == 0, "build NTT tables",
          "n = ", n, " is not a power of two in [2, 2^17]");
  require((q.value - 1) % (2 * n) == 0, "build NTT tables", "q = ", q.value, " is not 1 mod ",
          2 * n);
  log_n_ = __builtin_ctzll(n);
  psi_ = primitive_root_2n(n, q);
  const u64 psi_inv = inv_mod(psi_, q);
  fwd_.resize(n);
  inv_.resize(n);
  u64 p = 1, pi = 1;
  std::vector<u64> pows(n), ipows(n);
  for (std::size_t i = 0; i < n; ++i) {
    pows[i] = p;
    ipows[i] = pi;
    p = mul_mod(p, psi_, q);
    pi = mul_mod(pi, psi_inv, q);
  }
  for (std::size_t i = 0; i < n; ++i) {
    fwd_[i] = pows[bit_reverse(i, log_n_)];
    // Inverse consumes psi^-bitrev(i) at index i, with the same (m + i) indexing as forward.
    inv_[i] = ipows[bit_reverse(i, log_n_)];
  }
  fwd_shoup_.resize(n);
  inv_shoup_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    fwd_shoup_[i] = shoup_precompute(fwd_[i], q.value);
    inv_shoup_[i] = shoup_precompute(inv_[i], q.value);
  }
  n_inv_ = inv_mod(n, q);
  n_inv_shoup_ = shoup_precompute(n_inv_, q.value);
  inv1_n_inv_ = mul_mod(inv_[1], n_inv_, q);
  inv1_n_inv_shoup_ = shoup_precompute(inv1_n_inv_, q.value);
  if (q.value < (u64{1} << 51)) build_shoup52();
  best_ = NttKernel::Reference;
  for (NttKernel k : {NttKernel::Avx512Ifma, NttKernel::Avx512}) {
    if (kernel_runs_here(*this, k)) {
      best_ = k;
      break;
    }
  }
}

// floor(w * 2^52 / q) for every root: the companions of the IFMA kernel's 52-bit Shoup products.
void NttTables::build_shoup52() {
  const u64 q = q_.value;
  auto shoup52 = [q](u64 w) { return static_cast<u64>((static_cast<u128>(w) << 52) / q); };
  fwd_shoup52_.resize(n_);
  inv_shoup52_.resize(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    fwd_shoup52_[i] = shoup52(fwd_[i]);
    inv_shoup52_[i] = shoup52(inv_[i]);
  }
  n_inv_shoup52_ = shoup52(n_inv_);
  inv1_n_inv_shoup52_ = shoup52(inv1_n_inv_);
}

namespace {
// Whether kernel k can run for these tables on this CPU (the AVX-512 bodies need F, DQ and VL,
// the IFMA one also IFMA52; avx512_kernel_supports is only asked once the CPU has them).
bool kernel_runs_here(const NttTables& t, NttKernel k) {
  const auto& f = cpu_features();
  switch (k) {
    case NttKernel::Reference: return true;
    case NttKernel::Avx512:
      return f.avx512f && f.avx512dq && f.avx512vl && detail::avx512_kernel_supports(t, false);
    case NttKernel::Avx512Ifma:
      return f.avx512f && f.avx512dq && f.avx512vl && f.avx512ifma &&
             detail::avx512_kernel_supports(t, true);
  }
  return false;
}
}  // namespace

std::vector<NttKernel> available_kernels(const NttTables& t) {
  std::vector<NttKernel> ks;
  for (NttKernel k : {NttKernel::Reference, NttKernel::Avx512, NttKernel::Avx512Ifma}) {
    if (kernel_runs_here(t, k)) ks.push_back(k);
  }
  return ks;
}

namespace detail {

void ntt_forward_reference(const NttTables& t, u64* a) { ntt_forward_reference(t, a, t.log_n()); }

void ntt_forward_reference(const NttTables& t, u64* a, int log_size) {
  const std::size_t n = std::size_t{1} << log_size;
  const u64 q = t.modulus().value, two_q = 2 * q;
  const u64* w = t.fwd_roots().data();
  const u64* ws = t.fwd_roots_shoup().data();
  std::size_t len = n;
  for (std::size_t m = 1; m < n; m <<= 1) {
    len >>= 1;
    for (std::size_t i = 0; i < m; ++i) {
      const u64 W = w[m + i], Ws = ws[m + i];
      u64* x = a + 2 * i * len;
      u64* y = x + len;
      for (std::size_t j = 0; j < len; ++j) {
        u64 u = x[j];
        u = u >= two_q ? u - two_q : u;                // [0, 2q)
        const u64 v = mul_shoup_lazy(y[j], W, Ws, q);  // [0, 2q)
        x[j] = u + v;                                  // [0, 4q)
        y[j] = u + two_q - v;                          // [0, 4q)
      }
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    u64 u = a[j];
    u = u >= two_q ? u - two_q : u;
    a[j] = u >= q ? u - q : u;
  }
}

void ntt_inverse_reference(const NttTables& t, u64* a) {
  const std::size_t n = t.n();
  const u64 q = t.modulus().value, two_q = 2 * q;
  const u64* w = t.inv_roots().data();
  const u64* ws = t.inv_roots_shoup().data();
  std::size_t len = 1;
  for (std::size_t m = n >> 1; m >= 1; m >>= 1) {
    for (std::size_t i = 0; i < m; ++i) {
      const u64 W = w[m + i], Ws = ws[m + i];
      u64* x = a + 2 * i * len;
      u64* y = x + len;
      for (std::size_t j = 0; j < len; ++j) {
        const u64 u = x[j], v = y[j];                   // [0, 2q)
        u64 s = u + v;
        x[j] = s >= two_q ? s - two_q : s;               // [0, 2q)
        y[j] = mul_shoup_lazy(u + two_q - v, W, Ws, q);  // [0, 2q)
      }
    }
    len <<= 1;
  }
  const u64 ni = t.n_inv(), nis = t.n_inv_shoup();
  for (std::size_t j = 0; j < n; ++j) a[j] = mul_shoup(a[j], ni, nis, q);
}

}  // namespace detail

void ntt_forward(const NttTables& t, u64* a) { ntt_forward(t, a, t.best_kernel()); }
void ntt_inverse(const NttTables& t, u64* a) { ntt_inverse(t, a, t.best_kernel()); }

void ntt_forward(const NttTables& t, u64* a, NttKernel k) {
  if (k == NttKernel::Reference) return detail::ntt_forward_reference(t, a);
  if (k == t.best_kernel() || kernel_runs_here(t, k)) {
    if (detail::ntt_forward_avx512(t, a, k == NttKernel::Avx512Ifma)) return;
  }
  fail("run forward NTT", "kernel ", to_string(k), " is not available for n = ", t.n(),
       ", q = ", t.modulus().value, " on this CPU (", describe_cpu_features(), ")");
}

namespace {

int log_gap(const NttTables& t, std::size_t gap) {
  require(gap >= 1 && gap <= t.n() / 2 && (gap & (gap - 1)) == 0, "run sparse forward NTT",
          "gap ", gap, " is not a power of two in [1, ", t.n() / 2, "]");
  return __builtin_ctzll(gap);
}

// a[r] = a[r >> lg] for r in [0, n), in place: entry i (read before it is overwritten, as
// blocks go from the top down and i <= i * gap) fills the block [i * gap, (i + 1) * gap).
template <std::size_t Gap>
void replicate_fixed(u64* a, std::size_t n) {
  for (std::size_t i = n / Gap; i-- > 0;) {
    const u64 v = a[i];
    for (std::size_t j = 0; j < Gap; ++j) a[i * Gap + j] = v;
  }
}

void replicate(u64* a, std::size_t n, int lg) {
  switch (lg) {
    case 1: return replicate_fixed<2>(a, n);
    case 2: return replicate_fixed<4>(a, n);
    case 3: return replicate_fixed<8>(a, n);
    case 4: return replicate_fixed<16>(a, n);
    default:
      for (std::size_t i = n >> lg; i-- > 0;) std::fill_n(a + (i << lg), std::size_t{1} << lg, a[i]);
  }
}

}  // namespace

void ntt_forward_sparse(const NttTables& t, u64* a, std::size_t gap) {
  ntt_forward_sparse(t, a, gap, t.best_kernel());
}

void ntt_forward_sparse(const NttTables& t, u64* a, std::size_t gap, NttKernel k) {
  const int lg = log_gap(t, gap);
  if (lg == 0) return ntt_forward(t, a, k);
  const int log_size = t.log_n() - lg;
  bool done = false;
  if (k != NttKernel::Reference && (k == t.best_kernel() || kernel_runs_here(t, k))) {
    done = detail::ntt_forward_avx512(t, a, k == NttKernel::Avx512Ifma, log_size);
  } else if (k != NttKernel::Reference) {
    fail("run sparse forward NTT", "kernel ", to_string(k), " is not available for n = ", t.n(),
         ", q = ", t.modulus().value, " on this CPU (", describe_cpu_features(), ")");
  }
  if (!done) detail::ntt_forward_reference(t, a, log_size);  // sizes below the kernels' 16
  replicate(a, t.n(), lg);
}

void ntt_inverse(const NttTables& t, u64* a, NttKernel k) {
  if (k == NttKernel::Reference) return detail::ntt_inverse_reference(t, a);
  if (k == t.best_kernel() || kernel_runs_here(t, k)) {
    if (detail::ntt_inverse_avx512(t, a, k == NttKernel::Avx512Ifma)) return;
  }
  fail("run inverse NTT", "kernel ", to_string(k), " is not available for n = ", t.n(),
       ", q = ", t.modulus().value, " on this CPU (", describe_cpu_features(), ")");
}

}  // namespace fhecnn::math
