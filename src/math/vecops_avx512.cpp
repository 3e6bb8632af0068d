// AVX-512 element-wise kernels. Placeholder until the vectorised kernels land: reports "not
// applicable", so the reference loops run.
#include "math/vecops.hpp"

namespace fhecnn::math::detail {

bool mul_mod_vec_avx512(const u64*, const u64*, u64*, std::size_t, const Modulus&) {
  return false;
}
bool mul_add_mod_vec_avx512(const u64*, const u64*, u64*, std::size_t, const Modulus&) {
  return false;
}

}  // namespace fhecnn::math::detail
