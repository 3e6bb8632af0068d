// fhecnn-minimax: generates the polynomial coefficients fhecnn ships under data/minimax/.
//
//   fhecnn-minimax sign --alpha 13 [--degrees 15,15,27] [--eps E] --out
//   data/minimax/relu_alpha13.txt fhecnn-minimax evalmod --K 25 --log2-half-width -10
//   --double-angles 2 --degree 59 --out FILE fhecnn-minimax check FILE
//
// Prints "error: <message>" and exits non-zero on any failure.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "circuits/coeff_file.hpp"
#include "circuits/evalmod.hpp"
#include "circuits/sign.hpp"
#include "common/error.hpp"

namespace {

namespace fc = fhecnn::circuits;

struct SignOptions {
  int alpha = 13;
  std::string degrees;  // "15,15,27"; empty = search
  double eps = 0.0;     // 0 = optimise
  int precision_bits = 256;
  int max_stages = 4;
  int max_degree = 31;
  bool min_mults_first = false;
  int max_depth = 0;
  std::string out;
};

struct EvalModOptions {
  fc::EvalModSpec spec;
  int precision_bits = 256;
  std::string out;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<int> parse_degrees(const std::string& text) {
  std::vector<int> out;
  std::istringstream is(text);
  for (std::string tok; std::getline(is, tok, ',');) {
    char* end = nullptr;
    const long d = std::strtol(tok.c_str(), &end, 10);
    fhecnn::require(!tok.empty() && *end == '\0' && d > 0 && d < 4096, "parse degrees", "'", tok,
                    "' is not a degree in [1, 4095]");
    out.push_back(static_cast<int>(d));
  }
  return out;
}

std::string degrees_text(const std::vector<int>& d) {
  std::ostringstream os;
  for (std::size_t i = 0; i < d.size(); ++i) os << (i ? "," : "") << d[i];
  return os.str();
}

// Degrees and eps: given, or searched (53-bit Remez).
std::pair<std::vector<int>, double> choose_sign_design(const SignOptions& o) {
  fhecnn::require(o.eps == 0.0 || !o.degrees.empty(), "choose AppReLU design",
                  "--eps needs --degrees");
  if (!o.degrees.empty()) {
    const std::vector<int> d = parse_degrees(o.degrees);
    if (o.eps > 0.0) return {d, o.eps};
    fc::SignDesignOptions fast;
    fast.remez.precision_bits = 53;
    fast.remez.tolerance = 1e-6;
    return {d, fc::design_app_relu(o.alpha, d, fast).eps};
  }
  fc::ReluSearchOptions so;
  so.max_stages = o.max_stages;
  so.max_degree = o.max_degree;
  so.min_mults_first = o.min_mults_first;
  so.max_depth = o.max_depth;
  const fc::ReluDesign d = fc::search_app_relu(o.alpha, so);
  return {d.degrees, d.eps};
}

void run_sign(const SignOptions& o, const std::string& command_line) {
  const auto t0 = Clock::now();
  const auto [degrees, eps] = choose_sign_design(o);
  const double t_search = seconds_since(t0);
  fc::SignDesignOptions opt;
  opt.remez.precision_bits = o.precision_bits;
  const fc::CompositeSign sign = fc::composite_sign(degrees, eps, opt);
  const fc::ReluError err = fc::app_relu_error(sign, 1 << 20);
  const fc::ReluCost cost = fc::app_relu_cost(degrees);
  const double t_total = seconds_since(t0);
  std::cout << "alpha " << o.alpha << ": degrees " << degrees_text(degrees) << ", eps 2^"
            << std::log2(eps) << ", depth " << cost.depth << ", " << cost.mults
            << " non-scalar mults, max |AppReLU - ReLU| = " << err.max_error << " = 2^"
            << std::log2(err.max_error) << " at x = " << err.at << "\n"
            << "time: " << t_search << " s choosing degrees/eps, " << t_total - t_search << " s at "
            << o.precision_bits << " bits\n";
  fhecnn::require(err.max_error <= std::exp2(-o.alpha), "generate AppReLU coefficients",
                  "measured error 2^", std::log2(err.max_error), " exceeds 2^-", o.alpha);
  if (o.out.empty()) return;
  const fc::MinimaxFile f = fc::to_minimax_file(
      sign, {{"alpha", std::to_string(o.alpha)},
             {"depth", std::to_string(cost.depth)},
             {"nonscalar_mults", std::to_string(cost.mults)},
             {"max_relu_error", fc::format_double(err.max_error)},
             {"error_grid", "2^20 uniform points on [0, 1] + 2^16 on [0, 16 eps]"},
             {"precision_bits", std::to_string(o.precision_bits)},
             {"generator", command_line}});
  fc::save_minimax(o.out, f);
  std::cout << "wrote " << o.out << "\n";
}

void run_evalmod(const EvalModOptions& o, const std::string& command_line) {
  const auto t0 = Clock::now();
  fc::RemezOptions ro;
  ro.precision_bits = o.precision_bits;
  const fc::EvalModPoly p = fc::evalmod_poly(o.spec, ro);
  const double after = fc::evalmod_error(p);
  const double a1 = fc::arcsin_slope(o.spec.log2_half_width, ro);
  std::cout << "evalmod K " << o.spec.K << ", w 2^" << o.spec.log2_half_width << ", r "
            << o.spec.double_angles << ", degree " << o.spec.degree << ": minimax error "
            << p.max_error << " = 2^" << std::log2(p.max_error) << ", after double angles 2^"
            << std::log2(after) << ", arcsin slope " << a1 << "\n"
            << "time: " << seconds_since(t0) << " s at " << o.precision_bits << " bits\n";
  if (o.out.empty()) return;
  const fc::MinimaxFile f = fc::to_minimax_file(
      p, {{"target", "cos(2*pi*(x - shift)/2^double_angles) on [i - w, i + w], |i| < K"},
          {"max_error_after_double_angles", fc::format_double(after)},
          {"arcsin_slope", fc::format_double(a1)},
          {"precision_bits", std::to_string(o.precision_bits)},
          {"generator", command_line}});
  fc::save_minimax(o.out, f);
  std::cout << "wrote " << o.out << "\n";
}

void run_check(const std::string& path) {
  const fc::MinimaxFile f = fc::load_minimax(path);
  if (f.kind == "app_relu_sign") {
    const fc::CompositeSign sign = fc::composite_sign_from_file(f);
    const fc::ReluError err = fc::app_relu_error(sign, 1 << 20);
    std::cout << path << ": AppReLU degrees " << f.param("degrees") << ", max error 2^"
              << std::log2(err.max_error) << " (file says " << f.param("max_relu_error") << ")\n";
  } else {
    const fc::EvalModPoly p = fc::evalmod_from_file(f);
    std::cout << path << ": EvalMod error after double angles 2^" << std::log2(fc::evalmod_error(p))
              << "\n";
  }
}

std::string join_args(int argc, char** argv) {
  std::string s = "fhecnn-minimax";
  for (int i = 1; i < argc; ++i) s += std::string(" ") + argv[i];
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fhecnn-minimax: generate minimax polynomial coefficients (data/minimax/)"};
  app.require_subcommand(1);
  SignOptions so;
  CLI::App* sign = app.add_subcommand("sign", "composite minimax sign for AppReLU");
  sign->add_option("--alpha", so.alpha, "precision: max |AppReLU - ReLU| <= 2^-alpha")->required();
  sign->add_option("--degrees", so.degrees, "stage degrees, e.g. 15,15,27 (default: search)");
  sign->add_option("--eps", so.eps, "sign domain [eps, 1] (default: optimised)");
  sign->add_option("--precision", so.precision_bits, "MPFR bits for the final Remez");
  sign->add_option("--max-stages", so.max_stages, "search: most stages");
  sign->add_option("--max-degree", so.max_degree, "search: largest stage degree");
  sign->add_flag("--min-mults", so.min_mults_first, "search: fewest mults before least depth");
  sign->add_option("--max-depth", so.max_depth, "search: largest AppReLU depth");
  sign->add_option("--out", so.out, "output file");
  EvalModOptions eo;
  CLI::App* em = app.add_subcommand("evalmod", "cosine for bootstrapping's EvalMod");
  em->add_option("--K", eo.spec.K, "intervals around -(K-1)..K-1");
  em->add_option("--log2-half-width", eo.spec.log2_half_width, "interval half width 2^w");
  em->add_option("--double-angles", eo.spec.double_angles, "r");
  em->add_option("--degree", eo.spec.degree, "polynomial degree");
  em->add_option("--shift", eo.spec.shift, "target cos(2 pi (x - shift) / 2^r)");
  em->add_option("--precision", eo.precision_bits, "MPFR bits");
  em->add_option("--out", eo.out, "output file");
  std::string check_path;
  CLI::App* check = app.add_subcommand("check", "re-measure the error of a coefficient file");
  check->add_option("file", check_path)->required();
  try {
    app.parse(argc, argv);
    const std::string cmd = join_args(argc, argv);
    if (*sign) run_sign(so, cmd);
    if (*em) run_evalmod(eo, cmd);
    if (*check) run_check(check_path);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
