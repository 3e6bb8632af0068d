// Precision of approximate results in bits: -log2 |expected - got| per slot (capped at 60).
#pragma once

#include <complex>
#include <span>
#include <string>

namespace fhecnn::ckks {

struct PrecisionStats {
  double min_bits = 0;   // worst slot
  double mean_bits = 0;  // mean of -log2 error over slots
  double max_bits = 0;   // best slot
  double max_abs_error = 0;
  std::string str() const;
};

// Throws InvalidArgument when the spans differ in length or are empty.
PrecisionStats measure_precision(std::span<const std::complex<double>> expected,
                                 std::span<const std::complex<double>> got);

}  // namespace fhecnn::ckks
