#include "circuits/minimax.hpp"

#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <mutex>
#include <numbers>
#include <sstream>

#include "circuits/remez_impl.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {

namespace {

using Mpfr = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<0>,
                                           boost::multiprecision::et_off>;

// Sets the default MPFR precision (decimal digits covering `bits`) for this scope.
class PrecisionGuard {
 public:
  explicit PrecisionGuard(int bits) : old_(Mpfr::default_precision()) {
    Mpfr::default_precision(static_cast<unsigned>(bits * 30103 / 100000 + 2));
  }
  ~PrecisionGuard() { Mpfr::default_precision(old_); }
  PrecisionGuard(const PrecisionGuard&) = delete;
  PrecisionGuard& operator=(const PrecisionGuard&) = delete;

 private:
  unsigned old_;
};

void check_spec(const RemezSpec& spec, const RemezOptions& opt) {
  const std::string what = "run Remez";
  require(spec.degree >= 0 && spec.degree <= 4095, what, "degree ", spec.degree,
          " outside [0, 4095]");
  require(spec.parity != Parity::Odd || spec.degree >= 1, what, "odd polynomial of degree 0");
  require(spec.basis_scale > 0.0, what, "basis scale ", spec.basis_scale, " must be positive");
  require(!spec.domain.empty(), what, "empty domain");
  require(opt.precision_bits >= 53, what, "precision ", opt.precision_bits, " bits < 53");
  std::vector<Interval> d = spec.domain;
  std::sort(d.begin(), d.end(), [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
  for (std::size_t i = 0; i < d.size(); ++i) {
    require(d[i].lo < d[i].hi, what, "interval [", d[i].lo, ", ", d[i].hi, "] is empty");
    require(i == 0 || d[i - 1].hi < d[i].lo, what, "intervals [", d[i - 1].lo, ", ", d[i - 1].hi,
            "] and [", d[i].lo, ", ", d[i].hi, "] overlap");
    require(std::abs(d[i].lo) <= spec.basis_scale && std::abs(d[i].hi) <= spec.basis_scale, what,
            "interval [", d[i].lo, ", ", d[i].hi, "] leaves [-basis_scale, basis_scale] = [-",
            spec.basis_scale, ", ", spec.basis_scale, "]");
  }
  require(spec.parity == Parity::None || d.front().lo >= 0.0, what, "with ", to_string(spec.parity),
          " parity the domain lists only x >= 0, got lo = ", d.front().lo);
}

}  // namespace

double TargetFunction::operator()(double x) const {
  const double two_pi = 2.0 * std::numbers::pi;
  switch (kind) {
    case Kind::Sign:
      return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    case Kind::Cos2Pi:
      return std::cos(two_pi * (x - shift) / period);
    case Kind::Sin2Pi:
      return std::sin(two_pi * (x - shift) / period);
    case Kind::ArcsinOver2Pi:
      return std::asin(x) / two_pi;
  }
  return 0.0;
}

std::string TargetFunction::describe() const {
  std::ostringstream os;
  os.precision(17);
  switch (kind) {
    case Kind::Sign:
      return "sign(x)";
    case Kind::Cos2Pi:
      os << "cos(2*pi*(x - " << shift << ")/" << period << ")";
      break;
    case Kind::Sin2Pi:
      os << "sin(2*pi*(x - " << shift << ")/" << period << ")";
      break;
    case Kind::ArcsinOver2Pi:
      return "arcsin(x)/(2*pi)";
  }
  return os.str();
}

RemezResult remez(const RemezSpec& spec, const RemezOptions& options) {
  check_spec(spec, options);
  if (options.precision_bits == 53) {
    return detail::RemezSolver<double>(spec, options, std::numbers::pi).run();
  }
  static std::mutex mpfr_mutex;  // the MPFR default precision is process-wide
  const std::lock_guard<std::mutex> lock(mpfr_mutex);
  const PrecisionGuard guard(options.precision_bits);
  const Mpfr pi = boost::multiprecision::acos(Mpfr(-1));
  return detail::RemezSolver<Mpfr>(spec, options, pi).run();
}

}  // namespace fhecnn::circuits
