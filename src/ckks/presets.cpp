#include "ckks/presets.hpp"

#include "common/error.hpp"

namespace fhecnn::ckks::presets {

rlwe::ParamsLiteral insecure_test(int log_n, int levels, int dnum, int log_scale) {
  require(log_n >= 10 && log_n <= 13, "build test parameters", "log N = ", log_n,
          " is outside [10, 13]");
  rlwe::ParamsLiteral lit;
  lit.name = "insecure_n" + std::to_string(log_n);
  lit.log_n = log_n;
  lit.log_q.push_back(50);
  for (int i = 0; i < levels; ++i) lit.log_q.push_back(log_scale);
  lit.dnum = dnum;
  const int alpha = (levels + 1 + dnum - 1) / dnum;
  lit.log_p.assign(static_cast<std::size_t>(alpha), 50);
  lit.log_default_scale = log_scale;
  lit.allow_insecure = true;
  return lit;
}

rlwe::ParamsLiteral n16_l27_dnum3() {
  rlwe::ParamsLiteral lit;
  lit.name = "n16_l27_dnum3";
  lit.log_n = 16;
  lit.log_q.push_back(50);
  lit.log_q.insert(lit.log_q.end(), 27, 46);
  lit.log_p.assign(10, 48);
  lit.dnum = 3;
  lit.log_default_scale = 46;
  return lit;
}

rlwe::ParamsLiteral paper_n16() {
  rlwe::ParamsLiteral lit;
  lit.name = "paper_n16";
  lit.log_n = 16;
  lit.log_q.push_back(51);
  lit.log_q.insert(lit.log_q.end(), 16, 46);
  lit.log_q.insert(lit.log_q.end(), 14, 51);
  lit.log_p = {51};
  lit.dnum = 31;
  lit.secret = rlwe::SecretDistribution::SparseTernary;
  lit.hamming_weight = 192;
  lit.log_default_scale = 46;
  return lit;
}

rlwe::ParamsLiteral boot_n16() {
  rlwe::ParamsLiteral lit;
  lit.name = "boot_n16";
  lit.log_n = 16;
  lit.log_q.push_back(46);                              // q_0: q_0 / scale = 2^6
  lit.log_q.insert(lit.log_q.end(), 16, 40);            // levels 1..16: the network
  lit.log_q.insert(lit.log_q.end(), 3, 40);             // 17..19: SlotToCoeff
  lit.log_q.insert(lit.log_q.end(), 8, 55);             // 20..27: EvalMod
  lit.log_q.insert(lit.log_q.end(), 3, 55);             // 28..30: CoeffToSlot (scale ~2^55)
  lit.log_p.assign(7, 50);
  // Digits of at most 330 bits under P ~ 350 bits, so key switching at the bootstrapping scale
  // adds no noise above the rescaling noise. Grouped by bits, the 40-bit primes go 8 to a
  // digit: 5 digits at the top (8, 8, 7, 6, 2 primes), 3 at levels 16..19, 1 up to level 7.
  lit.digit_bits = 330;
  lit.dnum = 5;
  lit.log_default_scale = 40;
  return lit;
}

rlwe::ParamsLiteral insecure_boot_shape(int log_n) {
  require(log_n >= 10 && log_n <= 15, "build preset insecure_boot_n" + std::to_string(log_n),
          "log_n must be in [10, 15]");
  rlwe::ParamsLiteral lit = boot_n16();
  lit.name = "insecure_boot_n" + std::to_string(log_n);
  lit.log_n = log_n;
  lit.allow_insecure = true;
  return lit;
}

std::vector<std::string> names() {
  return {"n16_l27_dnum3",    "paper_n16",        "boot_n16",     "insecure_n10",
          "insecure_n11",     "insecure_n12",     "insecure_n13", "insecure_boot_n12",
          "insecure_boot_n13"};
}

rlwe::ParamsLiteral by_name(const std::string& name) {
  if (name == "n16_l27_dnum3") return n16_l27_dnum3();
  if (name == "paper_n16") return paper_n16();
  if (name == "boot_n16") return boot_n16();
  for (int log_n = 10; log_n <= 13; ++log_n) {
    if (name == "insecure_n" + std::to_string(log_n)) return insecure_test(log_n);
    if (name == "insecure_boot_n" + std::to_string(log_n)) return insecure_boot_shape(log_n);
  }
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  fail("select parameters", "unknown preset '", name, "' (known: ", known, ")");
}

}  // namespace fhecnn::ckks::presets
