// Named parameter sets. Every set except those named insecure_* passes the 128-bit check in
// rlwe::check_security_128 when built (Params::create enforces it).
#pragma once

#include <string>
#include <vector>

#include "rlwe/params.hpp"

namespace fhecnn::ckks::presets {

// Small ring for tests and demos: NOT secure. log_n in [10, 13]; `levels` primes of `log_scale`
// bits above a 50-bit q_0; two 50-bit special primes per digit group; scale 2^log_scale.
rlwe::ParamsLiteral insecure_test(int log_n, int levels = 6, int dnum = 2, int log_scale = 40);

// N = 2^16, 28 ciphertext primes (50 + 27 x 46 bits), dnum 3 with 10 special primes of 48 bits:
// log QP ~ 1772, dense ternary secret: 128-bit. The core benchmark set.
rlwe::ParamsLiteral n16_l27_dnum3();

// The paper's chain (PAPER.md §2.1): 51 | 16 x 46 | 14 x 51 bits, one 51-bit special prime,
// one digit per prime, sparse ternary secret h = 192: log QP ~ 1552 <= 1553.
rlwe::ParamsLiteral paper_n16();

// The bootstrapping set (dense ternary secret, 128-bit): q_0 46 bits | 16 x 40 (network levels
// 1..16) | 3 x 40 (SlotToCoeff) | 8 x 55 (EvalMod) | 3 x 55 (CoeffToSlot), 7 special primes of 50
// bits, digits of at most 330 bits (below P; 5 at the top): log QP ~ 1761 <= 1772. Bootstrapping goes
// from level 0 to 16 with sparse-secret encapsulation (ckks/modraise.hpp) at scale ~2^55;
// network scale 2^40; q_0 / scale = 2^6 keeps sin(2 pi f) ~ 2 pi f accurate (f = scale m / q_0).
rlwe::ParamsLiteral boot_n16();

// boot_n16's chain on a ring of degree 2^log_n (log_n in [10, 15]): NOT secure. Runs the
// bootstrapping network pipeline in seconds for tests (by_name: insecure_boot_n12, _n13).
rlwe::ParamsLiteral insecure_boot_shape(int log_n);

// Names accepted by by_name().
std::vector<std::string> names();
// Throws InvalidArgument for an unknown name (listing the known ones).
rlwe::ParamsLiteral by_name(const std::string& name);

}  // namespace fhecnn::ckks::presets
