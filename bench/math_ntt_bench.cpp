// NTT kernels, single-threaded: every kernel available on this CPU, across ring sizes.
//   ntt_forward/<kernel>/q<bits>/logn:<L>, ntt_inverse/...   n = 2^12 .. 2^17
//   ntt_forward_sparse/<kernel>/q<bits>/logn:16/gap:<G>      a(X) = b(X^G), G = 1 .. 8 (G = 1 is
//                                                           the full transform, for the ratio)
// Element-wise, dot-product and wide-prime kernels: bench_math_kernels (math_kernels_bench.cpp).
// Medians: bench_math_ntt --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "math/cpu.hpp"
#include "math/ntt.hpp"
#include "math/primes.hpp"

namespace fhecnn::math {
namespace {

// 46 and 51 bits are the sizes of the paper's chain; 50 the top of the narrow IFMA kernel; 60
// only the 64-bit kernels take.
constexpr int kPrimeBits[] = {46, 50, 51, 60};

std::vector<u64> random_residues(std::size_t n, u64 q, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<u64> a(n);
  for (auto& x : a) x = rng() % q;
  return a;
}

// One environment per (log n, prime size): tables and an input, built once.
struct NttEnv {
  NttTables tables;
  std::vector<u64> data;
  NttEnv(int log_n, int bits)
      : tables(std::size_t{1} << log_n,
               Modulus(generate_ntt_primes(bits, 1, std::size_t{1} << log_n)[0])),
        data(random_residues(tables.n(), tables.modulus().value, log_n)) {}
};

NttEnv& ntt_env(int log_n, int bits) {
  static std::map<std::pair<int, int>, std::unique_ptr<NttEnv>> cache;
  auto& e = cache[{log_n, bits}];
  if (!e) e = std::make_unique<NttEnv>(log_n, bits);
  return *e;
}

void register_ntt() {
  for (int bits : kPrimeBits) {
    for (int log_n = 12; log_n <= 17; ++log_n) {
      for (NttKernel k : available_kernels(ntt_env(log_n, bits).tables)) {
        const std::string tag =
            to_string(k) + "/q" + std::to_string(bits) + "/logn:" + std::to_string(log_n);
        benchmark::RegisterBenchmark(("ntt_forward/" + tag).c_str(),
                                     [=](benchmark::State& st) {
                                       auto& e = ntt_env(log_n, bits);
                                       for (auto _ : st) {
                                         ntt_forward(e.tables, e.data.data(), k);
                                         benchmark::ClobberMemory();
                                       }
                                     })
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(("ntt_inverse/" + tag).c_str(),
                                     [=](benchmark::State& st) {
                                       auto& e = ntt_env(log_n, bits);
                                       for (auto _ : st) {
                                         ntt_inverse(e.tables, e.data.data(), k);
                                         benchmark::ClobberMemory();
                                       }
                                     })
            ->Unit(benchmark::kMicrosecond);
      }
    }
    for (NttKernel k : available_kernels(ntt_env(16, bits).tables)) {
      for (std::size_t gap : {1, 2, 4, 8}) {
        const std::string tag = to_string(k) + "/q" + std::to_string(bits) +
                                "/logn:16/gap:" + std::to_string(gap);
        benchmark::RegisterBenchmark(("ntt_forward_sparse/" + tag).c_str(),
                                     [=](benchmark::State& st) {
                                       auto& e = ntt_env(16, bits);
                                       for (auto _ : st) {
                                         ntt_forward_sparse(e.tables, e.data.data(), gap, k);
                                         benchmark::ClobberMemory();
                                       }
                                     })
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace
}  // namespace fhecnn::math

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("cpu_features", fhecnn::math::describe_cpu_features());
  fhecnn::math::register_ntt();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
