#include "nn/sim_backend.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace fhecnn::nn {

OpCounts& OpCounts::operator+=(const OpCounts& o) {
  rotations += o.rotations;
  hoisted_rotations += o.hoisted_rotations;
  conjugations += o.conjugations;
  mul += o.mul;
  mul_plain += o.mul_plain;
  mul_const += o.mul_const;
  add += o.add;
  add_plain += o.add_plain;
  add_const += o.add_const;
  rescale += o.rescale;
  bootstraps += o.bootstraps;
  return *this;
}

OpCounts& OpCounts::operator-=(const OpCounts& o) {
  rotations -= o.rotations;
  hoisted_rotations -= o.hoisted_rotations;
  conjugations -= o.conjugations;
  mul -= o.mul;
  mul_plain -= o.mul_plain;
  mul_const -= o.mul_const;
  add -= o.add;
  add_plain -= o.add_plain;
  add_const -= o.add_const;
  rescale -= o.rescale;
  bootstraps -= o.bootstraps;
  return *this;
}

std::ostream& operator<<(std::ostream& os, const OpCounts& c) {
  return os << "rot " << c.rotations << " (hoisted " << c.hoisted_rotations << "), mul_plain "
            << c.mul_plain << ", mul " << c.mul << ", mul_const " << c.mul_const << ", rescale "
            << c.rescale << ", boot " << c.bootstraps;
}

SimBackend::SimBackend(std::vector<std::uint64_t> primes, std::size_t slots, BootstrapConfig config)
    : inner_(std::move(primes), slots), config_(config) {
  require(config_.output_level.value >= 0 && config_.output_level <= inner_.top_level(),
          "create simulated backend", "bootstrap output ", config_.output_level, " is outside [0, ",
          inner_.top_level().value, "]");
  require(config_.output_scale.value > 0.0 && std::isfinite(config_.output_scale.value),
          "create simulated backend", "bootstrap scale must be positive");
  require(config_.max_input > 0.0, "create simulated backend", "bootstrap input bound ",
          config_.max_input, " must be positive");
}

SimBackend::Value SimBackend::add(const Value& x, const Value& y) {
  ++counts_.add;
  return inner_.add(x, y);
}

SimBackend::Value SimBackend::sub(const Value& x, const Value& y) {
  ++counts_.add;
  return inner_.sub(x, y);
}

SimBackend::Value SimBackend::add_const(const Value& x, Complex c) {
  ++counts_.add_const;
  return inner_.add_const(x, c);
}

SimBackend::Value SimBackend::mul_const(const Value& x, Complex c, Scale const_scale) {
  ++counts_.mul_const;
  return inner_.mul_const(x, c, const_scale);
}

SimBackend::Value SimBackend::mul_plain(const Value& x, const std::vector<Complex>& v,
                                        Scale plain_scale) {
  ++counts_.mul_plain;
  return inner_.mul_plain(x, v, plain_scale);
}

SimBackend::Value SimBackend::mul(const Value& x, const Value& y) {
  ++counts_.mul;
  return inner_.mul(x, y);
}

SimBackend::Value SimBackend::rescale(const Value& x) {
  ++counts_.rescale;
  return inner_.rescale(x);
}

void SimBackend::record_step(RotationStep step, Level level) {
  const auto n = static_cast<long long>(inner_.slots());
  long long k = ((static_cast<long long>(step.value) % n) + n) % n;
  if (k > n / 2) k -= n;
  steps_.insert(static_cast<int>(k));
  auto [it, fresh] = step_levels_.emplace(static_cast<int>(k), level);
  if (!fresh && it->second < level) it->second = level;
}

SimBackend::Value SimBackend::rotate(const Value& x, RotationStep step) {
  ++counts_.rotations;
  record_step(step, x.level);
  return inner_.rotate(x, step);
}

SimBackend::Value SimBackend::conjugate(const Value& x) {
  ++counts_.conjugations;
  return inner_.conjugate(x);
}

std::vector<SimBackend::Value> SimBackend::rotate_hoisted(const Value& x,
                                                          const std::vector<RotationStep>& steps) {
  std::vector<Value> out;
  out.reserve(steps.size());
  for (const RotationStep& s : steps) {
    out.push_back(rotate(x, s));
    ++counts_.hoisted_rotations;
  }
  return out;
}

SimBackend::Value SimBackend::add_plain(const Value& x, const std::vector<Complex>& v) {
  require(v.size() == x.slots.size(), "add plaintext", v.size(), " values for ", x.slots.size(),
          " slots");
  Value out = x;
  for (std::size_t i = 0; i < v.size(); ++i) out.slots[i] += v[i];
  const double log_m = std::log2(std::max(1.0, max_abs(out)));
  const double log_q = inner_.log2_modulus(out.level);
  require(out.scale.log2() + log_m < log_q - 1.0, "add plaintext", "scale ", out.scale,
          " times max |message| 2^", log_m, " exceeds the modulus Q = 2^", log_q, " at ",
          out.level);
  ++counts_.add_plain;
  return out;
}

double SimBackend::max_abs(const Value& x) {
  double m = 0.0;
  for (const Complex& z : x.slots) {
    const double a = std::abs(z);
    if (!(a <= m)) m = a;  // also propagates NaN
  }
  return m;
}

SimBackend::Value SimBackend::bootstrap(const Value& x) {
  require(!config_.require_level_zero || x.level.value == 0, "bootstrap", "the input is at ",
          x.level, "; bootstrapping needs level 0 (drop it first)");
  std::size_t worst = 0;
  for (std::size_t i = 0; i < x.slots.size(); ++i) {
    if (!(std::abs(x.slots[i]) <= std::abs(x.slots[worst]))) worst = i;
  }
  const double m = x.slots.empty() ? 0.0 : std::abs(x.slots[worst]);
  require(m <= config_.max_input, "bootstrap", "max |slot| = ", m, " at slot ", worst,
          " exceeds the bound ", config_.max_input,
          " (the input must lie in [-1, 1]: raise the ReLU input bound B)");
  std::vector<Complex> real(x.slots.size());
  for (std::size_t i = 0; i < real.size(); ++i) real[i] = Complex(x.slots[i].real(), 0.0);
  ++counts_.bootstraps;
  return inner_.encrypt(std::move(real), config_.output_level, config_.output_scale);
}

}  // namespace fhecnn::nn
