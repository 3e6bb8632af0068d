#include "circuits/ckks_backend.hpp"

#include "common/error.hpp"

namespace fhecnn::circuits {

namespace {

void require_same_level(const rlwe::Ciphertext& x, const rlwe::Ciphertext& y, const char* what) {
  require(x.level() == y.level(), what, "operands at different levels (", x.level().value, " and ",
          y.level().value, ")");
}

struct EvaluatorSums {
  std::vector<int> steps;
  std::vector<std::vector<ckks::Evaluator::RotationTerm>> terms;
};

EvaluatorSums evaluator_sums(const std::vector<RotationStep>& steps,
                             const std::vector<std::vector<RotationTerm>>& sums) {
  EvaluatorSums r;
  r.steps.reserve(steps.size());
  for (const auto& step : steps) r.steps.push_back(step.value);
  r.terms.resize(sums.size());
  for (std::size_t j = 0; j < sums.size(); ++j) {
    for (const RotationTerm& t : sums[j]) {
      require(t.values != nullptr, "sum rotations times plaintexts", "a term has no values");
      r.terms[j].push_back({t.rotation, std::span<const Complex>(*t.values)});
    }
  }
  return r;
}

}  // namespace

CkksBackend::Value CkksBackend::add(const Value& x, const Value& y) {
  require_same_level(x, y, "add");
  return eval_.add(x, y);
}

CkksBackend::Value CkksBackend::sub(const Value& x, const Value& y) {
  require_same_level(x, y, "subtract");
  return eval_.sub(x, y);
}

CkksBackend::Value CkksBackend::add_const(const Value& x, Complex c) {
  Value r = x;
  eval_.add_const_inplace(r, c);
  return r;
}

CkksBackend::Value CkksBackend::mul_const(const Value& x, Complex c, Scale s) {
  Value r = x;
  eval_.multiply_const_inplace(r, c, s);
  return r;
}

CkksBackend::Value CkksBackend::mul_plain(const Value& x, const std::vector<Complex>& v, Scale s) {
  Value r = x;
  eval_.multiply_plain_inplace(r, eval_.encoder().encode(v, x.level(), s, x.slots));
  return r;
}

std::vector<CkksBackend::Value> CkksBackend::rotate_mul_sums(
    const Value& x, const std::vector<RotationStep>& steps,
    const std::vector<std::vector<RotationTerm>>& sums, Scale s) {
  const EvaluatorSums e = evaluator_sums(steps, sums);
  return eval_.rotate_multiply_sums(x, e.steps, e.terms, s);
}

std::vector<CkksBackend::Lazy> CkksBackend::lazy_rotate_mul_sums(
    const Value& x, const std::vector<RotationStep>& steps,
    const std::vector<std::vector<RotationTerm>>& sums, Scale s) {
  const EvaluatorSums e = evaluator_sums(steps, sums);
  return eval_.rotate_multiply_sums_extended(x, e.steps, e.terms, s);
}

void CkksBackend::mul_const_then_add(Value& acc, const Value& x, Complex c, Scale s) {
  require(x.level() >= acc.level(), "multiply-add constant", "operand at level ", x.level().value,
          " is below the accumulator's ", acc.level().value);
  eval_.multiply_const_then_add(x, c, s, acc);
}

CkksBackend::Value CkksBackend::mul(const Value& x, const Value& y) {
  require_same_level(x, y, "multiply");
  return eval_.multiply(x, y);
}

CkksBackend::Value CkksBackend::drop_to_level(const Value& x, Level l) {
  require(l.value >= 0 && l <= x.level(), "drop to level", "target ", l, " is not in [0, ",
          x.level().value, "]");
  if (l == x.level()) return x;
  // Copy the kept limbs only (copying everything, then truncating, moves the dropped ones too).
  const ring::Basis basis = eval_.params().ring().q_basis(l);
  Value r;
  r.slots = x.slots;
  r.scale = x.scale;
  r.parts.reserve(x.parts.size());
  for (const auto& p : x.parts) r.parts.push_back(p.select(basis));
  return r;
}

}  // namespace fhecnn::circuits
