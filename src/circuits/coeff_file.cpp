#include "circuits/coeff_file.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

#include "common/error.hpp"

namespace fhecnn::circuits {

namespace {

constexpr const char* kMagic = "fhecnn-minimax";
constexpr int kVersion = 1;
constexpr const char* kRead = "read minimax file";

// Meaningful lines split into (first word, rest), with their line numbers for errors.
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in) {}

  // The next line; its first word must be `expect` unless `expect` is empty.
  std::pair<std::string, std::string> next(const std::string& expect) {
    std::string text;
    while (std::getline(in_, text)) {
      ++line_;
      const std::size_t b = text.find_first_not_of(" \t\r");
      if (b == std::string::npos || text[b] == '#') continue;
      const std::size_t e = text.find_last_not_of(" \t\r");
      text = text.substr(b, e - b + 1);
      const std::size_t sp = text.find(' ');
      std::string key = text.substr(0, sp);
      std::string rest = sp == std::string::npos ? "" : text.substr(sp + 1);
      if (!expect.empty() && key != expect) {
        fail<FormatError>(kRead, "line ", line_, ": expected '", expect, "', got '", key, "'");
      }
      return {key, rest};
    }
    fail<FormatError>(kRead, "unexpected end of file after line ", line_, " (expected '",
                      expect.empty() ? "more" : expect, "')");
  }

  double number(const std::string& text) const {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) {
      fail<FormatError>(kRead, "line ", line_, ": '", text, "' is not a number");
    }
    return v;
  }

  int integer(const std::string& text, int lo, int hi) const {
    const double v = number(text);
    if (v != static_cast<double>(static_cast<int>(v)) || v < lo || v > hi) {
      fail<FormatError>(kRead, "line ", line_, ": '", text, "' is not an integer in [", lo, ", ",
                        hi, "]");
    }
    return static_cast<int>(v);
  }

  std::vector<double> numbers(const std::string& text) const {
    std::istringstream is(text);
    std::vector<double> out;
    std::string word;
    while (is >> word) out.push_back(number(word));
    return out;
  }

  int line() const { return line_; }

 private:
  std::istream& in_;
  int line_ = 0;
};

std::vector<Interval> read_domain(LineReader& r) {
  const std::vector<double> d = r.numbers(r.next("domain").second);
  if (d.empty() || d.size() % 2 != 0) {
    fail<FormatError>(kRead, "line ", r.line(), ": domain needs lo hi pairs");
  }
  std::vector<Interval> out;
  for (std::size_t i = 0; i < d.size(); i += 2) out.push_back({d[i], d[i + 1]});
  return out;
}

void read_coeffs(LineReader& r, ChebyshevPoly& p) {
  const int n = r.integer(r.next("coeffs").second, 0, 4096);
  for (int i = 0; i < n; ++i) {
    const auto [k_text, c_text] = r.next("");
    const auto k = static_cast<std::size_t>(r.integer(k_text, 0, 4095));
    if (p.coeffs.size() <= k) p.coeffs.resize(k + 1, 0.0);
    p.coeffs[k] = r.number(c_text);
  }
  if (p.coeffs.empty()) p.coeffs.push_back(0.0);
}

MinimaxRecord read_record(LineReader& r) {
  MinimaxRecord rec;
  rec.name = r.next("poly").second;
  try {
    rec.poly.parity = parse_parity(r.next("parity").second);
  } catch (const InvalidArgument& e) {
    fail<FormatError>(kRead, "line ", r.line(), ": ", e.what());
  }
  rec.basis_scale = r.number(r.next("basis_scale").second);
  rec.domain = read_domain(r);
  rec.max_error = r.number(r.next("max_error").second);
  read_coeffs(r, rec.poly);
  r.next("end");
  try {
    check_poly(rec.poly, "read polynomial " + rec.name);
  } catch (const InvalidArgument& e) {
    fail<FormatError>(kRead, "line ", r.line(), ": ", e.what());
  }
  return rec;
}

void write_record(std::ostream& out, const MinimaxRecord& rec) {
  out << "poly " << rec.name << "\n"
      << "parity " << to_string(rec.poly.parity) << "\n"
      << "basis_scale " << format_double(rec.basis_scale) << "\n"
      << "domain";
  for (const Interval& iv : rec.domain)
    out << " " << format_double(iv.lo) << " " << format_double(iv.hi);
  out << "\nmax_error " << format_double(rec.max_error) << "\n";
  std::vector<std::size_t> ks;
  for (std::size_t k = 0; k < rec.poly.coeffs.size(); ++k) {
    const bool skip = (rec.poly.parity == Parity::Odd && k % 2 == 0) ||
                      (rec.poly.parity == Parity::Even && k % 2 == 1);
    if (!skip) ks.push_back(k);
  }
  out << "coeffs " << ks.size() << "\n";
  for (std::size_t k : ks) out << k << " " << format_double(rec.poly.coeffs[k]) << "\n";
  out << "end\n";
}

std::string join_degrees(const std::vector<int>& d) {
  std::ostringstream os;
  for (std::size_t i = 0; i < d.size(); ++i) os << (i ? "," : "") << d[i];
  return os.str();
}

void require_kind(const MinimaxFile& f, const std::string& kind) {
  if (f.kind != kind) {
    fail<FormatError>(kRead, "kind is '", f.kind, "', expected '", kind, "'");
  }
}

}  // namespace

std::string format_double(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

const std::string& MinimaxFile::param(const std::string& key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  fail<FormatError>(kRead, "missing param '", key, "' in a '", kind, "' file");
}

double MinimaxFile::param_double(const std::string& key) const {
  const std::string& v = param(key);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size()) {
    fail<FormatError>(kRead, "param '", key, "' = '", v, "' is not a number");
  }
  return x;
}

int MinimaxFile::param_int(const std::string& key) const {
  const double x = param_double(key);
  if (x != static_cast<double>(static_cast<int>(x))) {
    fail<FormatError>(kRead, "param '", key, "' = ", x, " is not an integer");
  }
  return static_cast<int>(x);
}

void MinimaxFile::set(const std::string& key, const std::string& value) {
  for (auto& [k, v] : params) {
    if (k == key) {
      v = value;
      return;
    }
  }
  params.emplace_back(key, value);
}

MinimaxFile read_minimax(std::istream& in) {
  LineReader r(in);
  const auto [magic, version] = r.next("");
  if (magic != kMagic) fail<FormatError>(kRead, "bad magic '", magic, "' (expected ", kMagic, ")");
  if (version != std::to_string(kVersion)) {
    fail<FormatError>(kRead, "unsupported version '", version, "' (this build reads ", kVersion,
                      ")");
  }
  MinimaxFile f;
  f.kind = r.next("kind").second;
  auto line = r.next("");
  for (; line.first == "param"; line = r.next("")) {
    const std::size_t sp = line.second.find(' ');
    f.params.emplace_back(line.second.substr(0, sp),
                          sp == std::string::npos ? "" : line.second.substr(sp + 1));
  }
  if (line.first != "polys") {
    fail<FormatError>(kRead, "line ", r.line(), ": expected 'param' or 'polys', got '", line.first,
                      "'");
  }
  const int n = r.integer(line.second, 0, 64);
  for (int i = 0; i < n; ++i) f.polys.push_back(read_record(r));
  return f;
}

void write_minimax(std::ostream& out, const MinimaxFile& file) {
  out << kMagic << " " << kVersion << "\n"
      << "kind " << file.kind << "\n";
  for (const auto& [k, v] : file.params) out << "param " << k << " " << v << "\n";
  out << "polys " << file.polys.size() << "\n";
  for (const MinimaxRecord& rec : file.polys) write_record(out, rec);
}

MinimaxFile load_minimax(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail<FormatError>(kRead, "cannot open '", path, "'");
  try {
    return read_minimax(in);
  } catch (const FormatError& e) {
    throw FormatError(std::string(e.what()) + " (in " + path + ")");
  }
}

void save_minimax(const std::string& path, const MinimaxFile& file) {
  std::ofstream out(path);
  require(static_cast<bool>(out), "write minimax file", "cannot open '", path, "'");
  write_minimax(out, file);
  require(static_cast<bool>(out), "write minimax file", "write to '", path, "' failed");
}

MinimaxFile to_minimax_file(const CompositeSign& sign,
                            const std::vector<std::pair<std::string, std::string>>& extra) {
  MinimaxFile f;
  f.kind = "app_relu_sign";
  f.set("eps", format_double(sign.eps));
  f.set("degrees", join_degrees(sign.degrees()));
  for (const auto& [k, v] : extra) f.set(k, v);
  for (std::size_t i = 0; i < sign.stages.size(); ++i) {
    const SignStage& s = sign.stages[i];
    f.polys.push_back(
        MinimaxRecord{"stage" + std::to_string(i + 1), s.poly, s.input_bound, {s.domain}, s.error});
  }
  return f;
}

CompositeSign composite_sign_from_file(const MinimaxFile& file) {
  require_kind(file, "app_relu_sign");
  CompositeSign sign;
  sign.eps = file.param_double("eps");
  const std::string degrees = file.param("degrees");
  std::vector<int> d;
  std::istringstream is(degrees);
  for (std::string tok; std::getline(is, tok, ',');) d.push_back(std::atoi(tok.c_str()));
  if (d.size() != file.polys.size()) {
    fail<FormatError>(kRead, "param degrees '", degrees, "' lists ", d.size(),
                      " stages but the file has ", file.polys.size(), " polys");
  }
  for (std::size_t i = 0; i < d.size(); ++i) {
    const MinimaxRecord& rec = file.polys[i];
    if (rec.poly.degree() != d[i] || rec.poly.parity != Parity::Odd || rec.domain.size() != 1) {
      fail<FormatError>(kRead, "poly ", rec.name, " is not an odd degree-", d[i],
                        " polynomial on one interval");
    }
    sign.stages.push_back(SignStage{d[i], rec.basis_scale, rec.domain[0], rec.max_error, rec.poly});
  }
  return sign;
}

MinimaxFile to_minimax_file(const EvalModPoly& p,
                            const std::vector<std::pair<std::string, std::string>>& extra) {
  MinimaxFile f;
  f.kind = "evalmod";
  f.set("K", std::to_string(p.spec.K));
  f.set("log2_half_width", std::to_string(p.spec.log2_half_width));
  f.set("double_angles", std::to_string(p.spec.double_angles));
  f.set("degree", std::to_string(p.spec.degree));
  f.set("shift", format_double(p.spec.shift));
  for (const auto& [k, v] : extra) f.set(k, v);
  f.polys.push_back(MinimaxRecord{"cos", p.poly, static_cast<double>(p.spec.K),
                                  evalmod_domain(p.spec), p.max_error});
  return f;
}

EvalModPoly evalmod_from_file(const MinimaxFile& file) {
  require_kind(file, "evalmod");
  EvalModPoly p;
  p.spec.K = file.param_int("K");
  p.spec.log2_half_width = file.param_int("log2_half_width");
  p.spec.double_angles = file.param_int("double_angles");
  p.spec.degree = file.param_int("degree");
  p.spec.shift = file.param_double("shift");
  if (file.polys.size() != 1 || file.polys[0].basis_scale != p.spec.K ||
      file.polys[0].poly.degree() > p.spec.degree) {
    fail<FormatError>(kRead, "an evalmod file holds one polynomial of degree <= ", p.spec.degree,
                      " in T_k(x / ", p.spec.K, ")");
  }
  p.poly = file.polys[0].poly;
  p.max_error = file.polys[0].max_error;
  return p;
}

}  // namespace fhecnn::circuits
