// Generated minimax coefficients on disk (data/minimax/*.txt, written by tools/minimax).
//
// A small line-oriented text format, diff-friendly and read back exactly (%.17g doubles):
//
//   fhecnn-minimax 1                  magic and version
//   kind app_relu_sign                what the polynomials are (app_relu_sign | evalmod)
//   param alpha 13                    the generating parameters, in order (key, rest of line)
//   ...
//   polys 3
//   poly stage1                       one block per polynomial
//   parity odd
//   basis_scale 1                     the polynomial is in T_k(x / basis_scale)
//   domain 0.0017 1                   interval pairs (lo hi ...)
//   max_error 0.952
//   coeffs 8                          then that many "k c_k" lines (absent k: c_k = 0)
//   1 1.2732...
//   end
//
// Blank lines and lines starting with '#' are ignored.
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "circuits/chebyshev.hpp"
#include "circuits/evalmod.hpp"
#include "circuits/minimax.hpp"
#include "circuits/sign.hpp"

namespace fhecnn::circuits {

struct MinimaxRecord {
  std::string name;
  ChebyshevPoly poly;
  double basis_scale = 1.0;
  std::vector<Interval> domain;
  double max_error = 0.0;
};

struct MinimaxFile {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> params;  // in file order
  std::vector<MinimaxRecord> polys;

  // The value of `key`; throws FormatError "cannot read minimax file: missing param ..." .
  const std::string& param(const std::string& key) const;
  double param_double(const std::string& key) const;
  int param_int(const std::string& key) const;
  void set(const std::string& key, const std::string& value);
};

// Throws FormatError "cannot read minimax file: line N: ..." on a wrong magic, version, kind
// line or malformed content.
MinimaxFile read_minimax(std::istream& in);
void write_minimax(std::ostream& out, const MinimaxFile& file);
MinimaxFile load_minimax(const std::string& path);  // also throws when the file cannot be opened
void save_minimax(const std::string& path, const MinimaxFile& file);

// Conversions. The sign file stores the raw stages (sgn approximations in T_k(y / s_i)) with
// alpha, eps, degrees and the measured AppReLU error; `extra` params are appended as given.
MinimaxFile to_minimax_file(const CompositeSign& sign,
                            const std::vector<std::pair<std::string, std::string>>& extra);
CompositeSign composite_sign_from_file(const MinimaxFile& file);  // throws FormatError
MinimaxFile to_minimax_file(const EvalModPoly& p,
                            const std::vector<std::pair<std::string, std::string>>& extra);
EvalModPoly evalmod_from_file(const MinimaxFile& file);  // throws FormatError

// %.17g: the shortest text that reads back to the same double.
std::string format_double(double x);

}  // namespace fhecnn::circuits
