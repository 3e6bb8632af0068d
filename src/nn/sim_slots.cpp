#include "nn/sim_slots.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fhecnn::nn::sim {
namespace {

// ------------------------------------------------------------------------------- array pool

constexpr std::size_t kPoolArraysPerSize = 64;

class ArrayPool {
 public:
  ~ArrayPool() {
    alive_ = false;
    for (auto& [n, list] : free_) {
      for (double* p : list) delete[] p;
    }
  }
  static bool alive() { return alive_; }

  double* take(std::size_t n) {
    auto& list = list_for(n);
    if (list.empty()) return new double[n];
    double* p = list.back();
    list.pop_back();
    return p;
  }
  void give(double* p, std::size_t n) {
    auto& list = list_for(n);
    if (list.size() < kPoolArraysPerSize) {
      list.push_back(p);
    } else {
      delete[] p;
    }
  }

 private:
  std::vector<double*>& list_for(std::size_t n) {
    for (auto& [size, list] : free_) {
      if (size == n) return list;
    }
    return free_.emplace_back(n, std::vector<double*>{}).second;
  }

  static thread_local bool alive_;
  std::vector<std::pair<std::size_t, std::vector<double*>>> free_;
};

thread_local bool ArrayPool::alive_ = true;
thread_local ArrayPool pool;

// ------------------------------------------------------------------------------- measuring

// Running max of re^2 + im^2 over finite values, and whether any was not finite.
class NormMax {
 public:
  void add(const double* re, const double* im, std::size_t len) {
    if (im) {
      add_parts<true>(re, im, len);
    } else {
      add_parts<false>(re, nullptr, len);
    }
  }
  double max() const { return m_; }
  bool finite() const { return finite_; }

 private:
  template <bool kComplex>
  void add_parts(const double* re, const double* im, std::size_t len) {
    std::size_t i = 0;
#if defined(__SSE2__)
    // Four independent running maxima (no loop-carried latency chain), 8 slots per step.
    const __m128d big = _mm_set1_pd(DBL_MAX);
    __m128d m[4], bad = _mm_setzero_pd();
    for (auto& x : m) x = _mm_set1_pd(m_);
    for (; i + 8 <= len; i += 8) {
      for (int u = 0; u < 4; ++u) {
        const __m128d r = _mm_loadu_pd(re + i + 2 * u);
        __m128d a = _mm_mul_pd(r, r);
        if constexpr (kComplex) {
          const __m128d q = _mm_loadu_pd(im + i + 2 * u);
          a = _mm_add_pd(a, _mm_mul_pd(q, q));
        }
        m[u] = _mm_max_pd(a, m[u]);                    // a NaN is dropped here, caught by `bad`
        bad = _mm_or_pd(bad, _mm_cmpnle_pd(a, big));  // NaN or +inf
      }
    }
    alignas(16) double lanes[2];
    _mm_store_pd(lanes, _mm_max_pd(_mm_max_pd(m[0], m[1]), _mm_max_pd(m[2], m[3])));
    m_ = std::max(lanes[0], lanes[1]);
    if (_mm_movemask_pd(bad) != 0) finite_ = false;
#endif
    for (; i < len; ++i) {
      const double a = kComplex ? re[i] * re[i] + im[i] * im[i] : re[i] * re[i];
      if (!(a <= DBL_MAX)) finite_ = false;
      if (a > m_) m_ = a;
    }
  }

  double m_ = 0.0;
  bool finite_ = true;
};

// ------------------------------------------------------------------------------- walking views

constexpr std::size_t kBlock = 2048;  // slots per segment at most: its arrays stay in L1

std::size_t wrap(std::size_t i, std::size_t offset, std::size_t n) {
  const std::size_t p = i + offset;
  return p >= n ? p - n : p;
}

// f(i, len, px, py) for segments [i, i + len) of logical slots in which x (offset ox) and y
// (offset oy) do not wrap: logical slot i + t is x's data slot px + t and y's py + t.
template <typename F>
void segments(std::size_t n, std::size_t ox, std::size_t oy, F&& f) {
  for (std::size_t i = 0; i < n;) {
    const std::size_t px = wrap(i, ox, n), py = wrap(i, oy, n);
    const std::size_t len = std::min({n - i, n - px, n - py, kBlock});
    f(i, len, px, py);
    i += len;
  }
}

// Fresh data of n slots with an imaginary array when `complex`.
std::shared_ptr<SlotData> fresh(std::size_t n, bool complex) {
  auto d = std::make_shared<SlotData>();
  d->n = n;
  d->re = make_array(n);
  if (complex) d->im = make_array(n);
  return d;
}

void finish(const SlotData& d, const NormMax& m) { d.set_measure(m.finite(), m.max()); }

// New data taking over acc's arrays (acc: the only owner, created non-const by fresh()), so
// that they may be written in place under a measure not yet taken.
std::shared_ptr<SlotData> take_over(SlotPtr& acc) {
  auto& old = const_cast<SlotData&>(*acc);
  auto d = std::make_shared<SlotData>();
  d->n = old.n;
  d->re = std::move(old.re);
  d->im = std::move(old.im);
  acc = d;
  return d;
}

const double* re_of(SlotView x) { return x.data->re.get(); }
const double* im_of(SlotView x) { return x.data->im.get(); }

// out[t] = x[t] * Re v[t] for t < len; returns whether some v[t] has an imaginary part (one that
// compares != 0, NaN included).
bool mul_real_parts(const double* x, const Complex* v, double* out, std::size_t len) {
  const auto* pv = reinterpret_cast<const double*>(v);  // {re, im} pairs (std::complex layout)
  std::size_t t = 0;
  bool imaginary = false;
#if defined(__SSE2__)
  const __m128d magnitude = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
  __m128d im_bits = _mm_setzero_pd();
  for (; t + 2 <= len; t += 2) {
    const __m128d v0 = _mm_loadu_pd(pv + 2 * t);      // re0, im0
    const __m128d v1 = _mm_loadu_pd(pv + 2 * t + 2);  // re1, im1
    _mm_storeu_pd(out + t, _mm_mul_pd(_mm_loadu_pd(x + t), _mm_unpacklo_pd(v0, v1)));
    im_bits = _mm_or_pd(im_bits, _mm_unpackhi_pd(v0, v1));
  }
  // Nonzero bits other than the sign: an imaginary part that is not +-0.
  const __m128i nonzero = _mm_castpd_si128(_mm_and_pd(im_bits, magnitude));
  imaginary = _mm_movemask_epi8(_mm_cmpeq_epi32(nonzero, _mm_setzero_si128())) != 0xffff;
#endif
  for (; t < len; ++t) {
    out[t] = x[t] * pv[2 * t];
    imaginary |= pv[2 * t + 1] != 0.0;
  }
  return imaginary;
}

// out = x (+|-) y, part by part. An absent imaginary part is zero: x_im + 0 = x_im,
// 0 - y_im = -y_im (up to the sign of zeros).
template <bool kSub>
SlotPtr add_or_sub(SlotView x, SlotView y) {
  const std::size_t n = x.size();
  const bool complex = !x.real() || !y.real();
  auto out = fresh(n, complex);
  const double *xr = re_of(x), *yr = re_of(y), *xi = im_of(x), *yi = im_of(y);
  double* orr = out->re.get();
  double* oi = out->im.get();
  segments(n, x.offset, y.offset, [&](std::size_t i, std::size_t len, std::size_t px,
                                       std::size_t py) {
    for (std::size_t t = 0; t < len; ++t) {
      orr[i + t] = kSub ? xr[px + t] - yr[py + t] : xr[px + t] + yr[py + t];
    }
    if (complex) {
      for (std::size_t t = 0; t < len; ++t) {
        const double a = xi ? xi[px + t] : 0.0;
        const double b = yi ? yi[py + t] : 0.0;
        oi[i + t] = kSub ? a - b : a + b;
      }
    }
  });
  return out;
}

// out = x * (c_re + i c_im) per slot, c read by `coef(data slot of v)`: the complex product
// (a c - b d, a d + b c), which is (a c, a d) / (a c, b c) / (a c) when b / d / both are zero.
template <typename Coef>
void mul_run(const double* xr, const double* xi, std::size_t px, Coef&& coef, std::size_t pc,
             double* orr, double* oi, std::size_t i, std::size_t len) {
  for (std::size_t t = 0; t < len; ++t) {
    const double a = xr[px + t];
    const double b = xi ? xi[px + t] : 0.0;
    const Complex c = coef(pc + t);
    if (oi) {
      orr[i + t] = a * c.real() - b * c.imag();
      oi[i + t] = a * c.imag() + b * c.real();
    } else {
      orr[i + t] = a * c.real();
    }
  }
}

}  // namespace

void ArrayDeleter::operator()(double* p) const noexcept {
  if (!p) return;
  if (ArrayPool::alive()) {
    pool.give(p, n);
  } else {
    delete[] p;
  }
}

Array make_array(std::size_t n) {
  double* p = ArrayPool::alive() ? pool.take(n) : new double[n];
  return Array(p, ArrayDeleter{n});
}

double max_norm2_in_order(const double* re, const double* im, std::size_t n, std::size_t offset) {
  double m2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t p = wrap(i, offset, n);
    const double a2 = im ? re[p] * re[p] + im[p] * im[p] : re[p] * re[p];
    if (!(a2 <= m2)) m2 = a2;  // also propagates NaN
  }
  return m2;
}

void SlotData::set_measure(bool finite, double max_norm2) const {
  finite_.store(finite, std::memory_order_relaxed);
  max_norm2_.store(finite ? max_norm2 : 0.0, std::memory_order_relaxed);
  measured_.store(true, std::memory_order_release);
}

void SlotData::measure() const {
  if (measured_.load(std::memory_order_acquire)) return;
  NormMax m;
  m.add(re.get(), im.get(), n);
  set_measure(m.finite(), m.max());
}

bool SlotData::finite() const {
  measure();
  return finite_.load(std::memory_order_relaxed);
}

double SlotData::max_norm2() const {
  measure();
  return max_norm2_.load(std::memory_order_relaxed);
}

double max_norm2(SlotView x) {
  if (x.data->finite()) return x.data->max_norm2();
  return max_norm2_in_order(re_of(x), im_of(x), x.size(), x.offset);
}

Complex SlotView::at(std::size_t i) const {
  const std::size_t p = wrap(i, offset, data->n);
  return {data->re[p], data->im ? data->im[p] : 0.0};
}

double SlotView::abs_at(std::size_t i) const {
  const std::size_t p = wrap(i, offset, data->n);
  return data->im ? std::abs(Complex(data->re[p], data->im[p])) : std::abs(data->re[p]);
}

SlotPtr from_complex(const std::vector<Complex>& v) {
  const std::size_t n = v.size();
  const bool complex = std::any_of(v.begin(), v.end(), [](Complex z) { return z.imag() != 0.0; });
  auto out = fresh(n, complex);
  for (std::size_t i = 0; i < n; ++i) out->re[i] = v[i].real();
  if (complex) {
    for (std::size_t i = 0; i < n; ++i) out->im[i] = v[i].imag();
  }
  return out;  // measured by the check that follows (encrypt)
}

std::vector<Complex> to_complex(SlotView x) {
  std::vector<Complex> v(x.size());
  const double *xr = re_of(x), *xi = im_of(x);
  segments(x.size(), x.offset, 0, [&](std::size_t i, std::size_t len, std::size_t px, std::size_t) {
    for (std::size_t t = 0; t < len; ++t) v[i + t] = Complex(xr[px + t], xi ? xi[px + t] : 0.0);
  });
  return v;
}

SlotPtr add(SlotView x, SlotView y) { return add_or_sub<false>(x, y); }
SlotPtr sub(SlotView x, SlotView y) { return add_or_sub<true>(x, y); }

SlotPtr add_const(SlotView x, Complex e) {
  const std::size_t n = x.size();
  const bool complex = !x.real() || e.imag() != 0.0;
  auto out = fresh(n, complex);
  const double *xr = re_of(x), *xi = im_of(x);
  double* orr = out->re.get();
  double* oi = out->im.get();
  segments(n, x.offset, 0, [&](std::size_t i, std::size_t len, std::size_t px, std::size_t) {
    for (std::size_t t = 0; t < len; ++t) orr[i + t] = xr[px + t] + e.real();
    if (complex) {
      for (std::size_t t = 0; t < len; ++t) oi[i + t] = (xi ? xi[px + t] : 0.0) + e.imag();
    }
  });
  return out;
}

SlotPtr mul_const(SlotView x, Complex e) {
  const std::size_t n = x.size();
  const bool complex = !x.real() || e.imag() != 0.0;
  auto out = fresh(n, complex);
  const double *xr = re_of(x), *xi = im_of(x);
  double* orr = out->re.get();
  double* oi = out->im.get();
  NormMax m;
  segments(n, x.offset, 0, [&](std::size_t i, std::size_t len, std::size_t px, std::size_t) {
    if (complex) {
      mul_run(xr, xi, px, [e](std::size_t) { return e; }, 0, orr, oi, i, len);
    } else {
      const double c = e.real();
      for (std::size_t t = 0; t < len; ++t) orr[i + t] = xr[px + t] * c;
    }
    m.add(orr + i, complex ? oi + i : nullptr, len);
  });
  finish(*out, m);
  return out;
}

SlotPtr mul_plain(SlotView x, const std::vector<Complex>& v) {
  const std::size_t n = x.size();
  if (x.real()) {  // a real plaintext (every mask and weight) keeps the product real
    auto out = fresh(n, false);
    const double* xr = re_of(x);
    double* orr = out->re.get();
    bool imaginary = false;
    NormMax m;
    segments(n, x.offset, 0, [&](std::size_t i, std::size_t len, std::size_t px, std::size_t) {
      imaginary |= mul_real_parts(xr + px, v.data() + i, orr + i, len);
      m.add(orr + i, nullptr, len);
    });
    if (!imaginary) {
      finish(*out, m);
      return out;
    }
  }
  auto out = fresh(n, true);
  const double *xr = re_of(x), *xi = im_of(x);
  double* orr = out->re.get();
  double* oi = out->im.get();
  NormMax m;
  segments(n, x.offset, 0, [&](std::size_t i, std::size_t len, std::size_t px, std::size_t) {
    mul_run(xr, xi, px, [&v](std::size_t p) { return v[p]; }, i, orr, oi, i, len);
    m.add(orr + i, oi + i, len);
  });
  finish(*out, m);
  return out;
}

SlotPtr mul(SlotView x, SlotView y) {
  const std::size_t n = x.size();
  const bool complex = !x.real() || !y.real();
  auto out = fresh(n, complex);
  const double *xr = re_of(x), *xi = im_of(x), *yr = re_of(y), *yi = im_of(y);
  double* orr = out->re.get();
  double* oi = out->im.get();
  NormMax m;
  segments(n, x.offset, y.offset, [&](std::size_t i, std::size_t len, std::size_t px,
                                       std::size_t py) {
    if (complex) {
      const auto coef = [yr, yi](std::size_t p) { return Complex(yr[p], yi ? yi[p] : 0.0); };
      mul_run(xr, xi, px, coef, py, orr, oi, i, len);
    } else {
      for (std::size_t t = 0; t < len; ++t) orr[i + t] = xr[px + t] * yr[py + t];
    }
    m.add(orr + i, complex ? oi + i : nullptr, len);
  });
  finish(*out, m);
  return out;
}

namespace {

enum class Imag { keep, negate, drop };

// x in logical order (offset 0), its imaginary part kept, negated or dropped.
SlotPtr copy_slots(SlotView x, Imag imag) {
  const std::size_t n = x.size();
  const double *xr = re_of(x), *xi = imag == Imag::drop ? nullptr : im_of(x);
  auto out = fresh(n, xi != nullptr);
  segments(n, x.offset, 0, [&](std::size_t i, std::size_t len, std::size_t px, std::size_t) {
    std::copy(xr + px, xr + px + len, out->re.get() + i);
    if (!xi) return;
    if (imag == Imag::negate) {
      for (std::size_t t = 0; t < len; ++t) out->im[i + t] = -xi[px + t];
    } else {
      std::copy(xi + px, xi + px + len, out->im.get() + i);
    }
  });
  return out;
}

}  // namespace

SlotPtr conjugate(SlotView x) { return copy_slots(x, Imag::negate); }

SlotPtr to_slots(SlotView x) { return copy_slots(x, Imag::keep); }

SlotPtr real_part(SlotView x) { return copy_slots(x, Imag::drop); }

double mul_const_then_add(SlotPtr& acc_data, SlotView x, Complex e) {
  const std::shared_ptr<SlotData> acc = take_over(acc_data);
  const std::size_t n = acc->n;
  const bool complex = !x.real() || e.imag() != 0.0;
  if (complex && !acc->im) {  // acc gains an imaginary part: zeros so far
    acc->im = make_array(n);
    std::fill(acc->im.get(), acc->im.get() + n, 0.0);
  }
  const double *xr = re_of(x), *xi = im_of(x);
  double* ar = acc->re.get();
  double* ai = acc->im.get();
  NormMax term;
  alignas(16) double pr[kBlock];
  alignas(16) double pi[kBlock];
  segments(n, x.offset, 0, [&](std::size_t i, std::size_t len, std::size_t px, std::size_t) {
    if (complex) {
      mul_run(xr, xi, px, [e](std::size_t) { return e; }, 0, pr, pi, 0, len);
      for (std::size_t t = 0; t < len; ++t) ai[i + t] += pi[t];
    } else {
      const double c = e.real();
      for (std::size_t t = 0; t < len; ++t) pr[t] = xr[px + t] * c;
    }
    for (std::size_t t = 0; t < len; ++t) ar[i + t] += pr[t];
    term.add(pr, complex ? pi : nullptr, len);
  });
  if (term.finite()) return term.max();
  return max_norm2(SlotView{mul_const(x, e).get(), 0});
}

namespace {

// f(s, p, len, stride, value) for the pieces of the runs: slots s, s + stride, ... (len of them,
// at most kBlock) hold value and read x at data slots p, p + stride, ... without wrapping.
template <typename F>
void run_pieces(const SparsePlain& runs, std::size_t n, std::size_t offset, F&& f) {
  for (const PlainRun& r : runs) {
    std::size_t s = r.start, left = r.count;
    while (left > 0) {
      const std::size_t p = wrap(s, offset, n);
      const std::size_t fit = (n - 1 - p) / r.stride + 1;  // elements before p wraps
      const std::size_t len = std::min({left, fit, kBlock});
      f(s, p, len, std::size_t{r.stride}, r.value);
      s += len * r.stride;
      left -= len;
    }
  }
}

// x * w on a piece into pr (and pi when x is complex: (a w, b w), the complex product with w + 0i).
void piece_product(SlotView x, std::size_t p, std::size_t len, std::size_t stride, double w,
                   double* pr, double* pi) {
  const double* xr = re_of(x) + p;
  const double* xi = im_of(x) ? im_of(x) + p : nullptr;
  if (stride == 1) {  // contiguous: vectorised
    for (std::size_t j = 0; j < len; ++j) pr[j] = xr[j] * w;
    if (xi) {
      for (std::size_t j = 0; j < len; ++j) pi[j] = xi[j] * w;
    }
    return;
  }
  for (std::size_t j = 0; j < len; ++j) pr[j] = xr[j * stride] * w;
  if (xi) {
    for (std::size_t j = 0; j < len; ++j) pi[j] = xi[j * stride] * w;
  }
}

// out[s + j stride] (+)= piece[j].
template <bool kAdd>
void scatter(double* out, std::size_t len, std::size_t stride, const double* piece) {
  if (stride == 1) {
    for (std::size_t j = 0; j < len; ++j) out[j] = kAdd ? out[j] + piece[j] : piece[j];
    return;
  }
  for (std::size_t j = 0; j < len; ++j) {
    double& o = out[j * stride];
    o = kAdd ? o + piece[j] : piece[j];
  }
}

// The products of the runs' pieces, gathered block by block so that the max is measured over
// whole blocks rather than over each short piece.
class Products {
 public:
  explicit Products(bool complex) : complex_(complex) {}
  // Room for a piece of len <= kBlock products (measuring what came before when full).
  std::pair<double*, double*> next(std::size_t len) {
    if (fill_ + len > kBlock) flush();
    double* r = pr_ + fill_;
    double* i = pi_ + fill_;
    fill_ += len;
    return {r, i};
  }
  const NormMax& measured() {
    flush();
    return m_;
  }

 private:
  void flush() {
    m_.add(pr_, complex_ ? pi_ : nullptr, fill_);
    fill_ = 0;
  }

  bool complex_;
  std::size_t fill_ = 0;
  NormMax m_;
  alignas(16) double pr_[kBlock];
  alignas(16) double pi_[kBlock];
};

}  // namespace

SlotPtr mul_sparse(SlotView x, const SparsePlain& runs) {
  const std::size_t n = x.size();
  const bool complex = !x.real();
  auto out = fresh(n, complex);
  std::fill(out->re.get(), out->re.get() + n, 0.0);
  if (complex) std::fill(out->im.get(), out->im.get() + n, 0.0);
  Products products(complex);
  run_pieces(runs, n, x.offset, [&](std::size_t s, std::size_t p, std::size_t len,
                                    std::size_t stride, double w) {
    const auto [pr, pi] = products.next(len);
    piece_product(x, p, len, stride, w, pr, pi);
    scatter<false>(out->re.get() + s, len, stride, pr);
    if (complex) scatter<false>(out->im.get() + s, len, stride, pi);
  });
  finish(*out, products.measured());  // the zeros outside the runs do not change the max
  return out;
}

double mul_sparse_then_add(SlotPtr& acc_data, SlotView x, const SparsePlain& runs) {
  const std::shared_ptr<SlotData> acc = take_over(acc_data);
  const std::size_t n = acc->n;
  const bool complex = !x.real();
  if (complex && !acc->im) {  // acc gains an imaginary part: zeros so far
    acc->im = make_array(n);
    std::fill(acc->im.get(), acc->im.get() + n, 0.0);
  }
  Products products(complex);
  run_pieces(runs, n, x.offset, [&](std::size_t s, std::size_t p, std::size_t len,
                                    std::size_t stride, double w) {
    const auto [pr, pi] = products.next(len);
    piece_product(x, p, len, stride, w, pr, pi);
    scatter<true>(acc->re.get() + s, len, stride, pr);
    if (complex) scatter<true>(acc->im.get() + s, len, stride, pi);
  });
  const NormMax& term = products.measured();
  if (term.finite()) return term.max();
  return max_norm2(SlotView{mul_sparse(x, runs).get(), 0});
}

}  // namespace fhecnn::nn::sim
