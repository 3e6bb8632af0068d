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

namespace {

constexpr double kScaleTolerance = 1e-9;  // as circuits::SlotBackend

void require_encoding_scale(Scale s, const char* what) {
  require(s.value > 0.0 && std::isfinite(s.value), what, "encoding scale ", s.value,
          " must be positive");
}

void require_same_scale(Scale a, Scale b, const char* what) {
  require(std::abs(a.value - b.value) <= kScaleTolerance * a.value, what, "scale mismatch (", a,
          " vs ", b, ")");
}

sim::SlotView view(const SimBackend::Value& x, const char* what) {
  require(x.data != nullptr, what, "the value holds no slots");
  return {x.data.get(), x.offset};
}

}  // namespace

SimBackend::SimBackend(std::vector<std::uint64_t> primes, std::size_t slots, BootstrapConfig config)
    : chain_(std::move(primes), slots), config_(config) {
  require(config_.output_level.value >= 0 && config_.output_level <= chain_.top_level(),
          "create simulated backend", "bootstrap output ", config_.output_level, " is outside [0, ",
          chain_.top_level().value, "]");
  require(config_.output_scale.value > 0.0 && std::isfinite(config_.output_scale.value),
          "create simulated backend", "bootstrap scale must be positive");
  require(config_.max_input > 0.0, "create simulated backend", "bootstrap input bound ",
          config_.max_input, " must be positive");
}

void SimBackend::set_noise(const circuits::NoiseModel& model) {
  require(model.stddev >= 0.0 && std::isfinite(model.stddev), "set noise model", "stddev ",
          model.stddev, " must be finite and non-negative");
  noise_ = model;
  rng_.seed(model.seed);
}

SimBackend::Value SimBackend::make(sim::SlotPtr data, Level level, Scale scale, bool noisy) const {
  if (noisy && noise_.stddev != 0.0) {
    std::normal_distribution<double> gauss(0.0, noise_.stddev);
    data = sim::add_noise(sim::SlotView{data.get(), 0}, [&] { return gauss(rng_); });
  }
  return Value{std::move(data), 0, level, scale};
}

void SimBackend::check_binary(const Value& x, const Value& y, const char* what) const {
  require(x.level == y.level, what, "level mismatch (", x.level, " vs ", y.level, ")");
  const std::size_t nx = view(x, what).size(), ny = view(y, what).size();
  require(nx == ny, what, "slot count mismatch (", nx, " vs ", ny, ")");
}

void SimBackend::check_fits(const Value& x, const char* what) const {
  check_product_fits(sim::max_norm2(view(x, what)), x.scale, x.level, what);
}

SimBackend::Complex SimBackend::encode_constant(Complex c, double scale) const {
  return {std::round(c.real() * scale) / scale, std::round(c.imag() * scale) / scale};
}

SimBackend::Value SimBackend::encrypt(std::vector<Complex> messages, Level level,
                                      Scale scale) const {
  require(level.value >= 0 && level <= top_level(), "encrypt", level, " outside [0, ",
          top_level().value, "]");
  require(scale.value > 0.0 && std::isfinite(scale.value), "encrypt", "scale ", scale.value,
          " must be positive");
  require(messages.size() <= slots(), "encrypt", messages.size(), " messages for ", slots(),
          " slots");
  messages.resize(slots());
  Value v = make(sim::from_complex(messages), level, scale, true);
  check_fits(v, "encrypt");
  return v;
}

std::vector<SimBackend::Complex> SimBackend::decrypt(const Value& x) const {
  return sim::to_complex(view(x, "decrypt"));
}

SimBackend::Value SimBackend::add(const Value& x, const Value& y) {
  ++counts_.add;
  check_binary(x, y, "add");
  require_same_scale(x.scale, y.scale, "add");
  return {sim::add(view(x, "add"), view(y, "add")), 0, x.level, x.scale};
}

SimBackend::Value SimBackend::sub(const Value& x, const Value& y) {
  ++counts_.add;
  check_binary(x, y, "subtract");
  require_same_scale(x.scale, y.scale, "subtract");
  return {sim::sub(view(x, "subtract"), view(y, "subtract")), 0, x.level, x.scale};
}

SimBackend::Value SimBackend::add_const(const Value& x, Complex c) {
  ++counts_.add_const;
  const Complex e = encode_constant(c, x.scale.value);
  return {sim::add_const(view(x, "add constant"), e), 0, x.level, x.scale};
}

SimBackend::Value SimBackend::mul_const(const Value& x, Complex c, Scale const_scale) {
  ++counts_.mul_const;
  const char* what = "multiply by constant";
  require_encoding_scale(const_scale, what);
  const Complex e = encode_constant(c, const_scale.value);
  Value out = make(sim::mul_const(view(x, what), e), x.level,
                   Scale{x.scale.value * const_scale.value}, true);
  check_fits(out, what);
  return out;
}

SimBackend::Value SimBackend::mul_plain(const Value& x, const std::vector<Complex>& v,
                                        Scale plain_scale) {
  ++counts_.mul_plain;
  const char* what = "multiply by plaintext";
  require_encoding_scale(plain_scale, what);
  const sim::SlotView xv = view(x, what);
  require(v.size() == xv.size(), what, v.size(), " values for ", xv.size(), " slots");
  Value out = make(sim::mul_plain(xv, v), x.level, Scale{x.scale.value * plain_scale.value}, true);
  check_fits(out, what);
  return out;
}

SimBackend::Value SimBackend::mul(const Value& x, const Value& y) {
  ++counts_.mul;
  check_binary(x, y, "multiply");
  Value out = make(sim::mul(view(x, "multiply"), view(y, "multiply")), x.level,
                   Scale{x.scale.value * y.scale.value}, true);
  check_fits(out, "multiply");
  return out;
}

SimBackend::Value SimBackend::rescale(const Value& x) {
  ++counts_.rescale;
  require(x.level.value > 0, "rescale", "value is at level 0 (no prime left to divide by)");
  const Level level{x.level.value - 1};
  const Scale scale{x.scale.value / prime(x.level)};
  if (noise_.stddev == 0.0) return {x.data, x.offset, level, scale};  // same slots
  return make(sim::to_slots(view(x, "rescale")), level, scale, true);
}

SimBackend::Value SimBackend::drop_to_level(const Value& x, Level level) {
  require(level.value >= 0 && level <= x.level, "drop to level", "target ", level,
          " is not in [0, ", x.level.value, "]");
  Value out{x.data, x.offset, level, x.scale};
  check_fits(out, "drop to level");
  return out;
}

void SimBackend::record_step(RotationStep step, Level level) {
  const auto n = static_cast<long long>(slots());
  long long k = ((static_cast<long long>(step.value) % n) + n) % n;
  if (k > n / 2) k -= n;
  steps_.insert(static_cast<int>(k));
  auto [it, fresh] = step_levels_.emplace(static_cast<int>(k), level);
  if (!fresh && it->second < level) it->second = level;
}

SimBackend::Value SimBackend::rotate(const Value& x, RotationStep step) {
  ++counts_.rotations;
  record_step(step, x.level);
  const sim::SlotView xv = view(x, "rotate");
  const auto n = static_cast<long long>(xv.size());
  const auto k = static_cast<std::size_t>(((step.value % n) + n) % n);
  Value out{x.data, (x.offset + k) % xv.size(), x.level, x.scale};
  // A rotation by 0 is the identity in CKKS too (no key switch, no noise).
  if (k == 0 || noise_.stddev == 0.0) return out;
  return make(sim::to_slots(view(out, "rotate")), out.level, out.scale, true);
}

SimBackend::Value SimBackend::conjugate(const Value& x) {
  ++counts_.conjugations;
  return make(sim::conjugate(view(x, "conjugate")), x.level, x.scale, true);
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

void SimBackend::own(Value& acc) const {
  if (acc.data.use_count() != 1 || acc.offset != 0) {  // copy on write
    acc.data = sim::to_slots(view(acc, "add"));
    acc.offset = 0;
  }
}

void SimBackend::check_product_fits(double max_norm2, Scale scale, Level level,
                                    const char* what) const {
  const double log_m = std::log2(std::max(1.0, std::sqrt(max_norm2)));
  const double log_q = chain_.log2_modulus(level);
  require(scale.log2() + log_m < log_q - 1.0, what, "scale 2^", scale.log2(),
          " times max |message| 2^", log_m, " exceeds the modulus Q = 2^", log_q, " at ", level);
}

void SimBackend::finish_fused_add(const Value& acc, double term_max, Scale term_scale,
                                  const char* what) {
  check_product_fits(term_max, term_scale, acc.level, what);
  ++counts_.add;
  require_same_scale(acc.scale, term_scale, "add");
}

void SimBackend::mul_const_then_add(Value& acc, const Value& x, Complex c, Scale s) {
  if (noise_.stddev != 0.0 || !acc.data || !x.data || x.level < acc.level ||
      x.data->n != acc.data->n) {
    acc = add(acc, mul_const(drop_to_level(x, acc.level), c, s));  // the general path
    return;
  }
  const char* what = "multiply by constant";
  check_fits(Value{x.data, x.offset, acc.level, x.scale}, "drop to level");
  ++counts_.mul_const;
  require_encoding_scale(s, what);
  const Complex e = encode_constant(c, s.value);
  const Scale term_scale{x.scale.value * s.value};
  own(acc);
  const double term_max = sim::mul_const_then_add(acc.data, view(x, what), e);
  finish_fused_add(acc, term_max, term_scale, what);
}

bool SimBackend::sparse_ok(const Value& x, const SparsePlain& runs, const char* what) const {
  const std::size_t n = view(x, what).size();
  for (const PlainRun& r : runs) {
    if (r.count == 0 || (r.stride >= 1 && r.start + std::size_t{r.count - 1} * r.stride < n)) {
      continue;
    }
    fail(what, "a run of the plaintext (start ", r.start, ", count ", r.count, ", stride ",
         r.stride, ") leaves the ", n, " slots");
  }
  return x.data->finite();
}

SimBackend::Value SimBackend::mul_plain_sparse(const Value& x, const SparsePlain& runs, Scale s) {
  const char* what = "multiply by plaintext";
  const bool sparse = sparse_ok(x, runs, what);  // throws for a run outside the slots
  if (noise_.stddev != 0.0 || !sparse) {
    return mul_plain(x, dense_plain(runs, x.data->n), s);  // the dense path and its draws
  }
  ++counts_.mul_plain;
  require_encoding_scale(s, what);
  Value out{sim::mul_sparse(view(x, what), runs), 0, x.level, Scale{x.scale.value * s.value}};
  check_fits(out, what);
  return out;
}

void SimBackend::mul_plain_sparse_then_add(Value& acc, const Value& x, const SparsePlain& runs,
                                           Scale s) {
  const char* what = "multiply by plaintext";
  const bool sparse = sparse_ok(x, runs, what);  // throws for a run outside the slots
  if (noise_.stddev != 0.0 || !sparse || !acc.data || x.level != acc.level ||
      x.data->n != acc.data->n) {
    acc = add(acc, mul_plain_sparse(x, runs, s));  // the general path (and its exceptions)
    return;
  }
  ++counts_.mul_plain;
  require_encoding_scale(s, what);
  const Scale term_scale{x.scale.value * s.value};
  own(acc);
  const double term_max = sim::mul_sparse_then_add(acc.data, view(x, what), runs);
  finish_fused_add(acc, term_max, term_scale, what);
}


double SimBackend::observe_input(const Value& x) {
  return std::sqrt(sim::max_norm2(view(x, "observe input")));
}

SimBackend::Value SimBackend::add_plain(const Value& x, const std::vector<Complex>& v) {
  const sim::SlotView xv = view(x, "add plaintext");
  require(v.size() == xv.size(), "add plaintext", v.size(), " values for ", xv.size(), " slots");
  std::vector<Complex> sum = sim::to_complex(xv);
  for (std::size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
  Value out{sim::from_complex(sum), 0, x.level, x.scale};
  const double log_m = std::log2(std::max(1.0, max_abs(out)));
  const double log_q = chain_.log2_modulus(out.level);
  require(out.scale.log2() + log_m < log_q - 1.0, "add plaintext", "scale ", out.scale,
          " times max |message| 2^", log_m, " exceeds the modulus Q = 2^", log_q, " at ",
          out.level);
  ++counts_.add_plain;
  return out;
}

double SimBackend::max_abs(const Value& x) {
  double m = 0.0;
  if (!x.data) return m;
  const sim::SlotView xv{x.data.get(), x.offset};
  for (std::size_t i = 0; i < xv.size(); ++i) {
    const double a = xv.abs_at(i);
    if (!(a <= m)) m = a;  // also propagates NaN
  }
  return m;
}

SimBackend::Value SimBackend::bootstrap(const Value& x) {
  require(!config_.require_level_zero || x.level.value == 0, "bootstrap", "the input is at ",
          x.level, "; bootstrapping needs level 0 (drop it first)");
  const sim::SlotView xv = view(x, "bootstrap");
  std::size_t worst = 0;
  double worst_abs = xv.size() ? xv.abs_at(0) : 0.0;
  for (std::size_t i = 1; i < xv.size(); ++i) {
    const double a = xv.abs_at(i);
    if (!(a <= worst_abs)) {
      worst = i;
      worst_abs = a;
    }
  }
  require(worst_abs <= config_.max_input, "bootstrap", "max |slot| = ", worst_abs, " at slot ",
          worst, " exceeds the bound ", config_.max_input,
          " (the input must lie in [-1, 1]: raise the ReLU input bound B)");
  ++counts_.bootstraps;
  Value out = make(sim::real_part(xv), config_.output_level, config_.output_scale, true);
  check_fits(out, "encrypt");
  return out;
}

}  // namespace fhecnn::nn
