#include "math/cpu.hpp"

#include <cstdlib>
#include <cstring>

namespace fhecnn::math {
namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512ifma = __builtin_cpu_supports("avx512ifma");
#endif
  const char* off = std::getenv("FHECNN_DISABLE_AVX512");
  if (off && std::strcmp(off, "0") != 0 && *off) {
    f.avx512f = f.avx512dq = f.avx512vl = f.avx512ifma = false;
  }
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

std::string describe_cpu_features() {
  const auto& f = cpu_features();
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += (s.empty() ? "" : " ") + std::string(name);
  };
  add(f.avx2, "avx2");
  add(f.avx512f, "avx512f");
  add(f.avx512dq, "avx512dq");
  add(f.avx512vl, "avx512vl");
  add(f.avx512ifma, "avx512ifma");
  return s.empty() ? "portable" : s;
}

}  // namespace fhecnn::math
