// CPU feature detection for run-time kernel dispatch.
#pragma once

#include <string>

namespace fhecnn::math {

struct CpuFeatures {
  bool avx2 = false;
  bool avx512f = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512ifma = false;
};

// Features of the CPU this process runs on (detected once). Setting the environment variable
// FHECNN_DISABLE_AVX512=1 reports no AVX-512 at all, to exercise the portable path.
const CpuFeatures& cpu_features();
std::string describe_cpu_features();

}  // namespace fhecnn::math
