// CKKS encoding at boot_n16 (N = 2^16), one thread: the diagonals of every linear transform
// and the convolution weights are encoded on the fly, so this is on the bootstrapping path.
//   encode/slots:<S>           over Q_L (32 primes)
//   encode_extended/slots:<S>  over Q_L P (39 primes), as double hoisting encodes diagonals
// Slot counts below 2^15 give sparse plaintexts b(X^gap), transformed at size 2 S
// (math::ntt_forward_sparse); bench_math_ntt compares the sparse and full transforms directly.
// Medians: bench_ckks_encode --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <omp.h>

#include <random>
#include <vector>

#include "ckks/encoder.hpp"
#include "ckks/presets.hpp"
#include "common/memory.hpp"
#include "math/cpu.hpp"

namespace fhecnn::ckks {
namespace {

const rlwe::ParamsPtr& params() {
  static const rlwe::ParamsPtr p = rlwe::Params::create(presets::boot_n16());
  return p;
}

std::vector<Complex> random_values(std::size_t slots) {
  std::mt19937_64 rng(slots);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<Complex> v(slots);
  for (auto& z : v) z = Complex(u(rng), u(rng));
  return v;
}

void encode_at_top(benchmark::State& st, bool extended) {
  const auto& p = params();
  const Encoder enc(p);
  const std::size_t slots = static_cast<std::size_t>(st.range(0));
  const auto v = random_values(slots);
  const Level top = p->max_level();
  const std::size_t specials = p->special_primes_at(top);
  for (auto _ : st) {
    Plaintext pt = extended ? enc.encode_extended(v, top, p->default_scale(), slots, specials)
                            : enc.encode(v, top, p->default_scale(), slots);
    benchmark::DoNotOptimize(pt.poly.limb(0));
  }
}

void BM_encode(benchmark::State& st) { encode_at_top(st, false); }
void BM_encode_extended(benchmark::State& st) { encode_at_top(st, true); }

BENCHMARK(BM_encode)->Name("encode")->ArgName("slots")->RangeMultiplier(2)->Range(4096, 32768)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_encode_extended)->Name("encode_extended")->ArgName("slots")->RangeMultiplier(2)->Range(4096, 32768)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fhecnn::ckks

int main(int argc, char** argv) {
  fhecnn::tune_allocator_for_large_buffers();
  omp_set_num_threads(1);
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("cpu_features", fhecnn::math::describe_cpu_features());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
