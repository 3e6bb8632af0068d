#include "circuits/poly_plan.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "common/error.hpp"

namespace fhecnn::circuits {

int chebyshev_depth(int degree) {
  int depth = 0;
  while ((1 << depth) < degree + 1) ++depth;
  return depth;
}

int power_depth(int j) { return j <= 1 ? 0 : chebyshev_depth(j - 1); }

namespace {

constexpr int kInfinity = std::numeric_limits<int>::max() / 4;

bool matches(int j, Parity parity) {
  if (parity == Parity::Odd) return j % 2 == 1;
  if (parity == Parity::Even) return j % 2 == 0;
  return true;
}

bool is_power_of_two(int j) { return j >= 1 && (j & (j - 1)) == 0; }

// Degree of the remainder after dividing a polynomial of this parity by T_g (g even).
int remainder_degree(int g, Parity parity) { return parity == Parity::Even ? g - 2 : g - 1; }

// Minimum number of internal nodes for (degree, depth budget) with fixed babies and giants.
class TreeSearch {
 public:
  TreeSearch(Parity parity, int log_baby, int max_giant_log)
      : parity_(parity), baby_bound_((1 << log_baby) - 1), max_giant_log_(max_giant_log) {}

  struct Choice {
    int cost = kInfinity;
    int giant = 0;  // 0 = leaf
  };

  Choice best(int degree, int budget) {
    const auto key = std::make_pair(degree, budget);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    Choice c;
    if (degree == 0) {
      c.cost = 0;  // a constant remainder is added as a plaintext constant
    } else if (leaf_ok(degree, budget)) {
      c.cost = 0;
    } else {
      for (int k = max_giant_log_; k >= 1; --k) {
        const int g = 1 << k;
        if (g >= degree || k > budget - 1) continue;
        const int cq = best(degree - g, budget - 1).cost;
        const int cr = best(remainder_degree(g, parity_), budget).cost;
        if (cq + cr + 1 < c.cost) c = Choice{cq + cr + 1, g};
      }
    }
    memo_[key] = c;
    return c;
  }

 private:
  bool available(int j) const {
    if (j <= 1) return true;
    if (is_power_of_two(j) && j <= (1 << max_giant_log_)) return true;
    return j <= baby_bound_;
  }
  bool leaf_ok(int degree, int budget) const {
    if (power_depth(degree) + 1 > budget) return false;
    for (int j = 2; j <= degree; ++j) {
      if (matches(j, parity_) && !available(j)) return false;
    }
    return true;
  }

  Parity parity_;
  int baby_bound_;
  int max_giant_log_;
  std::map<std::pair<int, int>, Choice> memo_;
};

int build_nodes(TreeSearch& search, int degree, int budget, Parity parity,
                std::vector<PlanNode>& nodes) {
  const int index = static_cast<int>(nodes.size());
  nodes.push_back(PlanNode{degree, budget, 0, -1, -1});
  const int g = search.best(degree, budget).giant;
  if (g != 0) {
    const int q = build_nodes(search, degree - g, budget - 1, parity, nodes);
    const int r = build_nodes(search, remainder_degree(g, parity), budget, parity, nodes);
    nodes[static_cast<std::size_t>(index)].giant = g;
    nodes[static_cast<std::size_t>(index)].quotient = q;
    nodes[static_cast<std::size_t>(index)].remainder = r;
  }
  return index;
}

// Every T_j (j >= 2) needed by the tree, closed under the recurrences that build them.
std::vector<int> power_closure(const std::vector<PlanNode>& nodes, Parity parity) {
  std::set<int> need;
  for (const PlanNode& n : nodes) {
    if (!n.leaf()) {
      need.insert(n.giant);
      continue;
    }
    for (int j = 2; j <= n.degree; ++j) {
      if (matches(j, parity)) need.insert(j);
    }
  }
  std::vector<int> work(need.begin(), need.end());
  while (!work.empty()) {
    const int j = work.back();
    work.pop_back();
    std::vector<int> parts;
    if (is_power_of_two(j)) {
      parts = {j / 2};
    } else {
      int p = 1;
      while (2 * p < j) p *= 2;
      parts = {p, j - p, 2 * p - j};
    }
    for (int part : parts) {
      if (part >= 2 && need.insert(part).second) work.push_back(part);
    }
  }
  return {need.begin(), need.end()};
}

void describe_node(const PolyPlan& plan, int index, std::ostringstream& os) {
  const PlanNode& n = plan.nodes[static_cast<std::size_t>(index)];
  if (n.leaf()) {
    os << "L" << n.degree;
    return;
  }
  os << "T" << n.giant << "(";
  describe_node(plan, n.quotient, os);
  os << ",";
  describe_node(plan, n.remainder, os);
  os << ")";
}

void check_plan_args(int degree, Parity parity) {
  const std::string what = "plan polynomial evaluation";
  require(degree >= 1 && degree <= 4095, what, "degree ", degree, " outside [1, 4095]");
  require(parity != Parity::Odd || degree % 2 == 1, what, "odd polynomial of even degree ", degree);
  require(parity != Parity::Even || (degree % 2 == 0 && degree >= 2), what,
          "even polynomial of degree ", degree, " (must be even and at least 2)");
}

}  // namespace

int PolyPlan::internal_nodes() const {
  return static_cast<int>(
      std::count_if(nodes.begin(), nodes.end(), [](const PlanNode& n) { return !n.leaf(); }));
}

int PolyPlan::leaf_terms() const {
  int terms = 0;
  for (const PlanNode& n : nodes) {
    if (!n.leaf()) continue;
    for (int j = 0; j <= n.degree; ++j) terms += matches(j, parity) ? 1 : 0;
  }
  return terms;
}

std::string PolyPlan::describe() const {
  std::ostringstream os;
  os << "degree " << degree << " " << to_string(parity) << ": depth " << depth << ", "
     << nonscalar_mults() << " non-scalar mults, powers {";
  for (std::size_t i = 0; i < powers.size(); ++i) os << (i ? "," : "") << powers[i];
  os << "}, tree ";
  describe_node(*this, 0, os);
  return os.str();
}

PolyPlan plan_chebyshev(int degree, Parity parity) {
  check_plan_args(degree, parity);
  const int depth = chebyshev_depth(degree);
  PolyPlan best;
  int best_key[3] = {kInfinity, kInfinity, kInfinity};
  for (int log_baby = 1; log_baby <= depth; ++log_baby) {
    for (int giant_log = 0; giant_log < depth; ++giant_log) {
      TreeSearch search(parity, log_baby, giant_log);
      if (search.best(degree, depth).cost >= kInfinity) continue;
      PolyPlan plan{degree, parity, depth, log_baby, {}, {}};
      build_nodes(search, degree, depth, parity, plan.nodes);
      plan.powers = power_closure(plan.nodes, parity);
      const int key[3] = {plan.nonscalar_mults(), plan.leaf_terms(), log_baby};
      if (std::lexicographical_compare(key, key + 3, best_key, best_key + 3)) {
        std::copy(key, key + 3, best_key);
        best = std::move(plan);
      }
    }
  }
  require(best_key[0] < kInfinity, "plan polynomial evaluation", "no plan of depth ", depth,
          " for degree ", degree);
  return best;
}

int chain_depth(std::span<const ChebyshevPoly> chain) {
  int depth = 0;
  for (const ChebyshevPoly& p : chain) depth += chebyshev_depth(p.degree());
  return depth;
}

int chain_nonscalar_mults(std::span<const ChebyshevPoly> chain) {
  int mults = 0;
  for (const ChebyshevPoly& p : chain)
    mults += plan_chebyshev(p.degree(), p.parity).nonscalar_mults();
  return mults;
}

std::vector<std::vector<double>> split_coefficients(const PolyPlan& plan,
                                                    std::span<const double> c) {
  require(c.size() <= static_cast<std::size_t>(plan.degree) + 1, "split coefficients", c.size(),
          " coefficients for a plan of degree ", plan.degree);
  std::vector<std::vector<double>> out(plan.nodes.size());
  out[0].assign(c.begin(), c.end());
  out[0].resize(static_cast<std::size_t>(plan.degree) + 1, 0.0);
  for (std::size_t i = 0; i < plan.nodes.size(); ++i) {  // parents precede children
    const PlanNode& n = plan.nodes[i];
    if (n.leaf()) continue;
    ChebyshevDivision d = divide_by_chebyshev(out[i], n.giant);
    d.quotient.resize(static_cast<std::size_t>(plan.nodes[n.quotient].degree) + 1, 0.0);
    d.remainder.resize(static_cast<std::size_t>(plan.nodes[n.remainder].degree) + 1, 0.0);
    out[static_cast<std::size_t>(n.quotient)] = std::move(d.quotient);
    out[static_cast<std::size_t>(n.remainder)] = std::move(d.remainder);
  }
  return out;
}

}  // namespace fhecnn::circuits
