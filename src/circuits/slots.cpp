#include "circuits/slots.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace fhecnn::circuits {

namespace {

constexpr double kScaleTolerance = 1e-9;

// max |z| through squared norms (std::abs on complex is hypot: several times slower, and the
// extra range is not needed: a squared norm that overflows to inf fails the modulus check too).
double max_abs(const std::vector<Complex>& v) {
  double m2 = 0.0;
  for (const Complex& z : v) {
    const double a2 = z.real() * z.real() + z.imag() * z.imag();
    if (!(a2 <= m2)) m2 = a2;  // also propagates NaN
  }
  return std::sqrt(m2);
}

}  // namespace

SlotBackend::SlotBackend(std::vector<std::uint64_t> primes, std::size_t slots)
    : primes_(std::move(primes)), slots_(slots) {
  require(!primes_.empty(), "create slot backend", "no primes given");
  require(slots_ >= 1, "create slot backend", "slot count must be positive");
  double sum = 0.0;
  for (std::size_t i = 0; i < primes_.size(); ++i) {
    require(primes_[i] >= 2, "create slot backend", "prime q_", i, " = ", primes_[i]);
    sum += std::log2(static_cast<double>(primes_[i]));
    log2_modulus_.push_back(sum);
  }
}

SlotBackend::Value SlotBackend::encrypt(std::vector<Complex> messages, Level level,
                                        Scale scale) const {
  require(level.value >= 0 && level <= top_level(), "encrypt", level, " outside [0, ",
          top_level().value, "]");
  require(scale.value > 0.0 && std::isfinite(scale.value), "encrypt", "scale ", scale.value,
          " must be positive");
  require(messages.size() <= slots_, "encrypt", messages.size(), " messages for ", slots_,
          " slots");
  messages.resize(slots_);
  Value v{std::move(messages), level, scale};
  add_noise(v);
  check_fits(v, "encrypt");
  return v;
}

void SlotBackend::set_noise(const NoiseModel& model) {
  require(model.stddev >= 0.0 && std::isfinite(model.stddev), "set noise model", "stddev ",
          model.stddev, " must be finite and non-negative");
  noise_ = model;
  rng_.seed(model.seed);
}

void SlotBackend::add_noise(Value& x) const {
  if (noise_.stddev == 0.0) return;
  std::normal_distribution<double> gauss(0.0, noise_.stddev);
  for (Complex& z : x.slots) {
    const double re = gauss(rng_);
    const double im = gauss(rng_);
    z += Complex(re, im);
  }
}

double SlotBackend::prime(Level level) const {
  require(level.value >= 0 && level <= top_level(), "get prime", level, " outside [0, ",
          top_level().value, "]");
  return static_cast<double>(primes_[static_cast<std::size_t>(level.value)]);
}

double SlotBackend::log2_modulus(Level level) const {
  require(level.value >= 0 && level <= top_level(), "get modulus", level, " outside [0, ",
          top_level().value, "]");
  return log2_modulus_[static_cast<std::size_t>(level.value)];
}

void SlotBackend::check_binary(const Value& x, const Value& y, const char* what) const {
  require(x.level == y.level, what, "level mismatch (", x.level, " vs ", y.level, ")");
  require(x.slots.size() == y.slots.size(), what, "slot count mismatch (", x.slots.size(), " vs ",
          y.slots.size(), ")");
}

void SlotBackend::check_fits(const Value& x, const char* what) const {
  const double log_m = std::log2(std::max(1.0, max_abs(x.slots)));
  const double log_q = log2_modulus(x.level);
  require(x.scale.log2() + log_m < log_q - 1.0, what, "scale 2^", x.scale.log2(),
          " times max |message| 2^", log_m, " exceeds the modulus Q = 2^", log_q, " at ", x.level);
}

Complex SlotBackend::encode_constant(Complex c, double scale) const {
  return {std::round(c.real() * scale) / scale, std::round(c.imag() * scale) / scale};
}

SlotBackend::Value SlotBackend::add(const Value& x, const Value& y) {
  check_binary(x, y, "add");
  require(std::abs(x.scale.value - y.scale.value) <= kScaleTolerance * x.scale.value, "add",
          "scale mismatch (", x.scale, " vs ", y.scale, ")");
  Value out = x;
  for (std::size_t i = 0; i < out.slots.size(); ++i) out.slots[i] += y.slots[i];
  ++counts_.add;
  return out;
}

SlotBackend::Value SlotBackend::sub(const Value& x, const Value& y) {
  check_binary(x, y, "subtract");
  require(std::abs(x.scale.value - y.scale.value) <= kScaleTolerance * x.scale.value, "subtract",
          "scale mismatch (", x.scale, " vs ", y.scale, ")");
  Value out = x;
  for (std::size_t i = 0; i < out.slots.size(); ++i) out.slots[i] -= y.slots[i];
  ++counts_.add;
  return out;
}

SlotBackend::Value SlotBackend::add_const(const Value& x, Complex c) {
  const Complex e = encode_constant(c, x.scale.value);
  Value out = x;
  for (Complex& z : out.slots) z += e;
  ++counts_.add_const;
  return out;
}

SlotBackend::Value SlotBackend::mul_const(const Value& x, Complex c, Scale const_scale) {
  require(const_scale.value > 0.0 && std::isfinite(const_scale.value), "multiply by constant",
          "encoding scale ", const_scale.value, " must be positive");
  const Complex e = encode_constant(c, const_scale.value);
  Value out = x;
  for (Complex& z : out.slots) z *= e;
  out.scale = Scale{x.scale.value * const_scale.value};
  add_noise(out);
  check_fits(out, "multiply by constant");
  ++counts_.mul_const;
  return out;
}

SlotBackend::Value SlotBackend::mul_plain(const Value& x, const std::vector<Complex>& v,
                                          Scale plain_scale) {
  require(plain_scale.value > 0.0 && std::isfinite(plain_scale.value), "multiply by plaintext",
          "encoding scale ", plain_scale.value, " must be positive");
  require(v.size() == x.slots.size(), "multiply by plaintext", v.size(), " values for ",
          x.slots.size(), " slots");
  Value out = x;
  for (std::size_t i = 0; i < v.size(); ++i) out.slots[i] *= v[i];
  out.scale = Scale{x.scale.value * plain_scale.value};
  add_noise(out);
  check_fits(out, "multiply by plaintext");
  ++counts_.mul_plain;
  return out;
}

SlotBackend::Value SlotBackend::mul(const Value& x, const Value& y) {
  check_binary(x, y, "multiply");
  Value out = x;
  for (std::size_t i = 0; i < out.slots.size(); ++i) out.slots[i] *= y.slots[i];
  out.scale = Scale{x.scale.value * y.scale.value};
  add_noise(out);
  check_fits(out, "multiply");
  ++counts_.mul;
  return out;
}

SlotBackend::Value SlotBackend::rescale(const Value& x) {
  require(x.level.value > 0, "rescale", "value is at level 0 (no prime left to divide by)");
  Value out = x;
  out.scale = Scale{x.scale.value / prime(x.level)};
  out.level = Level{x.level.value - 1};
  add_noise(out);
  ++counts_.rescale;
  return out;
}

SlotBackend::Value SlotBackend::drop_to_level(const Value& x, Level level) {
  require(level.value >= 0 && level <= x.level, "drop to level", "target ", level,
          " is not in [0, ", x.level.value, "]");
  Value out = x;
  out.level = level;
  check_fits(out, "drop to level");
  return out;
}

SlotBackend::Value SlotBackend::rotate(const Value& x, RotationStep step) {
  const auto n = static_cast<long long>(x.slots.size());
  const long long k = ((step.value % n) + n) % n;
  Value out = x;
  for (long long i = 0; i < n; ++i) {
    out.slots[static_cast<std::size_t>(i)] = x.slots[static_cast<std::size_t>((i + k) % n)];
  }
  if (k != 0) add_noise(out);  // a rotation by 0 is the identity in CKKS too (no key switch)
  ++counts_.rotate;
  return out;
}

SlotBackend::Value SlotBackend::conjugate(const Value& x) {
  Value out = x;
  for (Complex& z : out.slots) z = std::conj(z);
  add_noise(out);
  ++counts_.conjugate;
  return out;
}

double SlotBackend::observe_input(const Value& x) {
  const double m = max_abs(x.slots);
  if (!(m <= max_input_seen_)) max_input_seen_ = m;
  return m;
}

}  // namespace fhecnn::circuits
