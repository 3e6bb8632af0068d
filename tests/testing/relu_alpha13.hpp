// The shipped AppReLU coefficients (data/minimax/relu_alpha13.txt), loaded once per test binary.
#pragma once

#include <filesystem>

#include "circuits/coeff_file.hpp"
#include "circuits/sign.hpp"

namespace fhecnn::testing {

inline const circuits::CompositeSign& alpha13() {
  static const circuits::CompositeSign sign =
      circuits::composite_sign_from_file(circuits::load_minimax(
          (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
           "data/minimax/relu_alpha13.txt")
              .string()));
  return sign;
}

}  // namespace fhecnn::testing
