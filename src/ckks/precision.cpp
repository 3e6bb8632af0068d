#include "ckks/precision.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/error.hpp"

namespace fhecnn::ckks {

PrecisionStats measure_precision(std::span<const std::complex<double>> expected,
                                 std::span<const std::complex<double>> got) {
  require(!expected.empty() && expected.size() == got.size(), "measure precision",
          expected.size(), " expected values vs ", got.size(), " results");
  PrecisionStats s;
  s.min_bits = 1e9;
  s.max_bits = -1e9;
  double sum = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double err = std::abs(expected[i] - got[i]);
    const double bits = err > 0 ? std::min(60.0, -std::log2(err)) : 60.0;
    s.min_bits = std::min(s.min_bits, bits);
    s.max_bits = std::max(s.max_bits, bits);
    s.max_abs_error = std::max(s.max_abs_error, err);
    sum += bits;
  }
  s.mean_bits = sum / static_cast<double>(expected.size());
  return s;
}

std::string PrecisionStats::str() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "precision bits: min %.2f mean %.2f max %.2f (max error %.3g)",
                min_bits, mean_bits, max_bits, max_abs_error);
  return buf;
}

}  // namespace fhecnn::ckks
