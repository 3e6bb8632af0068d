// Kernels for primes above the 52-bit IFMA range (the 55-bit CoeffToSlot / EvalMod primes of
// boot_n16), single-threaded, n = 2^16, every kernel available on this CPU next to the portable
// reference:
//   ntt_fwd_inv/<kernel>/q<bits>                  forward + inverse NTT
//   dot_mod_pairs/<kernel>/q<bits>/k:<k>          key-switching inner product
//   dot_mod_columns/<kernel>/q<bits>/in<b>/k:<k>  basis conversion, inputs below 2^b
//   <vecop>/<kernel>/q<bits>                      element-wise mul, mul_add, Shoup scalar, add
// Medians: bench_math_kernels --benchmark_repetitions=9 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "math/cpu.hpp"
#include "math/dotmod.hpp"
#include "math/ntt.hpp"
#include "math/primes.hpp"
#include "math/vecops.hpp"

namespace fhecnn::math {
namespace {

constexpr std::size_t kN = std::size_t{1} << 16;
constexpr int kPrimeBits[] = {46, 51, 55, 60};

std::vector<u64> random_values(std::size_t n, u64 bound, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<u64> a(n);
  for (auto& x : a) x = rng() % bound;
  return a;
}

Modulus prime(int bits) { return Modulus(generate_ntt_primes(bits, 1, kN)[0]); }

bool has_ifma() { return cpu_features().avx512f && cpu_features().avx512ifma; }
bool has_ifma_dq() { return has_ifma() && cpu_features().avx512dq; }
bool has_avx512() {
  const auto& f = cpu_features();
  return f.avx512f && f.avx512dq && f.avx512vl;
}

// Runs `body` per iteration; state built once per benchmark.
void add(const std::string& name, std::function<void()> body) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [body](benchmark::State& st) {
                                 for (auto _ : st) {
                                   body();
                                   benchmark::ClobberMemory();
                                 }
                               })
      ->Unit(benchmark::kMicrosecond);
}

void register_ntt() {
  for (int bits : kPrimeBits) {
    auto t = std::make_shared<NttTables>(kN, prime(bits));
    auto a = std::make_shared<std::vector<u64>>(random_values(kN, t->modulus().value, 1));
    for (NttKernel k : available_kernels(*t)) {
      add("ntt_fwd_inv/" + to_string(k) + "/q" + std::to_string(bits), [t, a, k] {
        ntt_forward(*t, a->data(), k);
        ntt_inverse(*t, a->data(), k);
      });
    }
  }
}

// k terms of n residues each, below `bound`.
struct Terms {
  std::vector<std::vector<u64>> data;
  std::vector<const u64*> ptrs;
  Terms(std::size_t k, u64 bound, std::uint64_t seed) {
    for (std::size_t i = 0; i < k; ++i) data.push_back(random_values(kN, bound, seed + i));
    for (const auto& d : data) ptrs.push_back(d.data());
  }
};

void register_dot_pairs() {
  for (int bits : kPrimeBits) {
    for (std::size_t k : {2u, 6u, 7u}) {
      const Modulus q = prime(bits);
      auto a = std::make_shared<Terms>(k, q.value, 10), b = std::make_shared<Terms>(k, q.value, 50);
      auto out = std::make_shared<std::vector<u64>>(kN);
      const std::string tag = "/q" + std::to_string(bits) + "/k:" + std::to_string(k);
      add("dot_mod_pairs/reference" + tag, [=] {
        detail::dot_mod_pairs_reference(a->ptrs.data(), b->ptrs.data(), k, out->data(), kN, q);
      });
      if (has_ifma() && bits < 50) {
        add("dot_mod_pairs/ifma-narrow" + tag, [=] {
          detail::dot_mod_pairs_ifma(a->ptrs.data(), b->ptrs.data(), k, out->data(), kN, q);
        });
      }
      if (has_ifma_dq()) {
        add("dot_mod_pairs/ifma-wide" + tag, [=] {
          detail::dot_mod_pairs_ifma_wide(a->ptrs.data(), b->ptrs.data(), k, out->data(), kN, q);
        });
      }
    }
  }
}

void register_dot_columns() {
  // (target bits, input bits): 55 -> 55 inside the CoeffToSlot digits, 55 -> 50 and 55 -> 40
  // when a digit of 55-bit primes is extended to the special and lower primes.
  const std::pair<int, int> cases[] = {{46, 46}, {55, 55}, {50, 55}, {40, 55}, {60, 60}};
  for (const auto& [bits, in_bits] : cases) {
    for (std::size_t k : {6u, 7u}) {
      const Modulus q = prime(bits);
      const u64 bound = u64{1} << in_bits;
      auto cols = std::make_shared<Terms>(k, bound, 20);
      auto w = std::make_shared<std::vector<u64>>(random_values(k, q.value, 30));
      auto out = std::make_shared<std::vector<u64>>(kN);
      const std::string tag =
          "/q" + std::to_string(bits) + "/in" + std::to_string(in_bits) + "/k:" + std::to_string(k);
      add("dot_mod_columns/reference" + tag, [=] {
        detail::dot_mod_columns_reference(cols->ptrs.data(), w->data(), k, out->data(), kN, q);
      });
      if (has_ifma() && bits < 50 && in_bits <= 50) {
        add("dot_mod_columns/ifma-narrow" + tag, [=] {
          detail::dot_mod_columns_ifma(cols->ptrs.data(), w->data(), k, out->data(), kN, q);
        });
      }
      if (has_ifma_dq()) {
        add("dot_mod_columns/ifma-wide" + tag, [=] {
          detail::dot_mod_columns_ifma_wide(cols->ptrs.data(), w->data(), k, out->data(), kN, q);
        });
      }
    }
  }
}

void register_vecops() {
  for (int bits : kPrimeBits) {
    const Modulus q = prime(bits);
    auto a = std::make_shared<std::vector<u64>>(random_values(kN, q.value, 1));
    auto b = std::make_shared<std::vector<u64>>(random_values(kN, q.value, 2));
    auto out = std::make_shared<std::vector<u64>>(random_values(kN, q.value, 3));
    const u64 s = (*b)[0];
    const std::string tag = "/q" + std::to_string(bits);
    const bool avx = has_avx512();
    add("mul_mod_vec/reference" + tag,
        [=] { detail::mul_mod_vec_reference(a->data(), b->data(), out->data(), kN, q); });
    if (avx && detail::mul_mod_vec_avx512(a->data(), b->data(), out->data(), kN, q)) {
      add("mul_mod_vec/avx512" + tag,
          [=] { detail::mul_mod_vec_avx512(a->data(), b->data(), out->data(), kN, q); });
    }
    add("mul_add_mod_vec/reference" + tag,
        [=] { detail::mul_add_mod_vec_reference(a->data(), b->data(), out->data(), kN, q); });
    if (avx && detail::mul_add_mod_vec_avx512(a->data(), b->data(), out->data(), kN, q)) {
      add("mul_add_mod_vec/avx512" + tag,
          [=] { detail::mul_add_mod_vec_avx512(a->data(), b->data(), out->data(), kN, q); });
    }
    add("mul_scalar_mod_vec/reference" + tag,
        [=] { detail::mul_scalar_mod_vec_reference(a->data(), s, out->data(), kN, q); });
    add("mul_scalar_add_mod_vec/reference" + tag,
        [=] { detail::mul_scalar_add_mod_vec_reference(a->data(), s, out->data(), kN, q); });
    add("sub_mul_scalar_mod_vec/reference" + tag, [=] {
      detail::sub_mul_scalar_mod_vec_reference(a->data(), b->data(), s, out->data(), kN, q);
    });
    add("add_mod_vec/reference" + tag,
        [=] { detail::add_mod_vec_reference(a->data(), b->data(), out->data(), kN, q); });
    if (!avx) continue;
    add("mul_scalar_mod_vec/avx512" + tag,
        [=] { detail::mul_scalar_mod_vec_avx512(a->data(), s, out->data(), kN, q); });
    add("mul_scalar_add_mod_vec/avx512" + tag,
        [=] { detail::mul_scalar_add_mod_vec_avx512(a->data(), s, out->data(), kN, q); });
    add("sub_mul_scalar_mod_vec/avx512" + tag, [=] {
      detail::sub_mul_scalar_mod_vec_avx512(a->data(), b->data(), s, out->data(), kN, q);
    });
    add("add_mod_vec/avx512" + tag,
        [=] { detail::add_mod_vec_avx512(a->data(), b->data(), out->data(), kN, q); });
  }
}

}  // namespace
}  // namespace fhecnn::math

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("cpu_features", fhecnn::math::describe_cpu_features());
  fhecnn::math::register_ntt();
  fhecnn::math::register_dot_pairs();
  fhecnn::math::register_dot_columns();
  fhecnn::math::register_vecops();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
