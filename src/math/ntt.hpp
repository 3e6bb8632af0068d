// Negacyclic NTT over Z_q[X]/(X^n + 1) with Harvey's lazy butterflies.
//
// Convention: forward takes coefficients in natural order and returns evaluations in
// bit-reversed order, slot k holding a(psi^(2*bitrev(k)+1)); inverse undoes it exactly.
// Inputs and outputs are fully reduced to [0, q). Kernels: a portable reference and AVX-512
// variants, chosen at run time by cpu_features() unless forced:
//   Avx512Ifma  AVX-512F/DQ/VL + IFMA52, q < 2^62, n >= 16 (52-bit Shoup butterflies for
//               q < 2^51; above, 64-bit Shoup with high products from vpmuludq and IFMA52);
//   Avx512      AVX-512F/DQ/VL, q < 2^62, n >= 16 (64-bit Shoup with emulated high products).
// Every kernel returns exactly the reference's output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "math/modarith.hpp"

namespace fhecnn::math {

enum class NttKernel { Reference, Avx512, Avx512Ifma };
std::string to_string(NttKernel k);

class NttTables {
 public:
  // Throws InvalidArgument unless n is a power of two in [2, 2^17] and q = 1 mod 2n, q < 2^62.
  NttTables(std::size_t n, const Modulus& q);

  std::size_t n() const { return n_; }
  int log_n() const { return log_n_; }
  const Modulus& modulus() const { return q_; }
  u64 psi() const { return psi_; }
  // Kernel the dispatching entry points use for this modulus on this CPU.
  NttKernel best_kernel() const { return best_; }

  // root[i] = psi^bitrev(i) (i in [1, n)), with Shoup companions; used by forward.
  const std::vector<u64>& fwd_roots() const { return fwd_; }
  const std::vector<u64>& fwd_roots_shoup() const { return fwd_shoup_; }
  // inv[i] = psi^-(bitrev(i)) in the order the Gentleman-Sande inverse consumes them.
  const std::vector<u64>& inv_roots() const { return inv_; }
  const std::vector<u64>& inv_roots_shoup() const { return inv_shoup_; }
  u64 n_inv() const { return n_inv_; }
  u64 n_inv_shoup() const { return n_inv_shoup_; }
  // inv_roots()[1] * n_inv mod q with its Shoup companion: the optimised inverse kernels fold the
  // 1/n scaling into their last stage.
  u64 inv_root1_n_inv() const { return inv1_n_inv_; }
  u64 inv_root1_n_inv_shoup() const { return inv1_n_inv_shoup_; }

  // 52-bit Shoup companions floor(w * 2^52 / q) for the IFMA kernel, in the order of
  // fwd_roots() / inv_roots(); empty (and the scalars 0) unless q < 2^51.
  const std::vector<u64>& fwd_roots_shoup52() const { return fwd_shoup52_; }
  const std::vector<u64>& inv_roots_shoup52() const { return inv_shoup52_; }
  u64 n_inv_shoup52() const { return n_inv_shoup52_; }
  u64 inv_root1_n_inv_shoup52() const { return inv1_n_inv_shoup52_; }

 private:
  std::size_t n_;
  int log_n_;
  Modulus q_;
  u64 psi_;
  NttKernel best_;
  std::vector<u64> fwd_, fwd_shoup_, inv_, inv_shoup_;
  u64 n_inv_, n_inv_shoup_;
  u64 inv1_n_inv_ = 0, inv1_n_inv_shoup_ = 0;
  std::vector<u64> fwd_shoup52_, inv_shoup52_;
  u64 n_inv_shoup52_ = 0, inv1_n_inv_shoup52_ = 0;

  void build_shoup52();
};

// Kernels usable for these tables on this CPU (always includes Reference).
std::vector<NttKernel> available_kernels(const NttTables& t);

// In-place transforms of n values with the best kernel.
void ntt_forward(const NttTables& t, u64* a);
void ntt_inverse(const NttTables& t, u64* a);
// Same with a forced kernel; throws InvalidArgument when it is not in available_kernels(t).
void ntt_forward(const NttTables& t, u64* a, NttKernel k);
void ntt_inverse(const NttTables& t, u64* a, NttKernel k);

// The forward transform of a(X) = b(X^gap) for b of degree < n / gap, given b's coefficients in
// a[0, n / gap): one transform of size n / gap and a copy, gap times cheaper than ntt_forward
// on the spread-out coefficients (CKKS plaintexts with n / (2 gap) slots have this form).
// Why it works: the forward tables' first n / gap roots are those of size n / gap for the root
// psi^gap, and output slot r of size n is b((psi^gap)^(2 bitrev(r >> log gap) + 1)), i.e. slot
// r >> log gap of the small transform. Throws InvalidArgument unless gap is a power of two
// in [1, n / 2] (and, with a forced kernel, as ntt_forward).
void ntt_forward_sparse(const NttTables& t, u64* a, std::size_t gap);
void ntt_forward_sparse(const NttTables& t, u64* a, std::size_t gap, NttKernel k);

std::size_t bit_reverse(std::size_t x, int bits);

namespace detail {
void ntt_forward_reference(const NttTables& t, u64* a);
// The first 2^log_size roots of t as the tables of size 2^log_size (log_size <= t.log_n()).
void ntt_forward_reference(const NttTables& t, u64* a, int log_size);
void ntt_inverse_reference(const NttTables& t, u64* a);
// Defined in ntt_avx512.cpp (compiled with AVX-512 flags; call only when the CPU has them).
// Return false if the kernel does not handle this modulus size or degree (n < 16).
bool ntt_forward_avx512(const NttTables& t, u64* a, bool ifma);
bool ntt_forward_avx512(const NttTables& t, u64* a, bool ifma, int log_size);
bool ntt_inverse_avx512(const NttTables& t, u64* a, bool ifma);
bool avx512_kernel_supports(const NttTables& t, bool ifma);
}  // namespace detail

}  // namespace fhecnn::math
