#include "circuits/ckks_backend.hpp"

#include "common/error.hpp"

namespace fhecnn::circuits {

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

CkksBackend::Value CkksBackend::mul(const Value& x, const Value& y) {
  require(x.level() == y.level(), "multiply", "operands at different levels (", x.level().value,
          " and ", y.level().value, ")");
  return eval_.multiply(x, y);
}

CkksBackend::Value CkksBackend::drop_to_level(const Value& x, Level l) {
  Value r = x;
  eval_.drop_to_level_inplace(r, l);
  return r;
}

}  // namespace fhecnn::circuits
