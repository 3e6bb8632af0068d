// AVX-512 NTT kernels. Placeholder until the vectorised kernels land: reports no support, so
// dispatch always chooses the reference kernel.
#include "math/ntt.hpp"

namespace fhecnn::math::detail {

bool avx512_kernel_supports(const NttTables&, bool) { return false; }
bool ntt_forward_avx512(const NttTables&, u64*, bool) { return false; }
bool ntt_inverse_avx512(const NttTables&, u64*, bool) { return false; }

}  // namespace fhecnn::math::detail
