// Depth-optimal baby-step giant-step plans for Chebyshev-basis polynomial evaluation.
//
// A plan is a binary "T-tree": each internal node splits its polynomial p = q * T_g + r with a
// power-of-two giant g < deg p (Chebyshev long division); each leaf is sum_j c_j T_j over
// precomputed babies. The powers T_j are built with T_2k = 2 T_k^2 - 1 and
// T_{2^k + r} = 2 T_{2^k} T_r - T_{2^k - r}, so T_j sits exactly ceil(log2 j) levels below the
// input. A leaf costs one level (scalar products, one rescale); a node costs one non-scalar
// multiplication and one level on the quotient side.
//
// plan_chebyshev picks, over all baby bounds and giant counts, the tree with the fewest
// non-scalar multiplications among those of minimal depth ceil(log2(degree + 1)) (the dynamic
// programme of the paper, §5.3: degree 15 odd -> 8 multiplications, degree 27 odd -> 10).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "circuits/chebyshev.hpp"

namespace fhecnn::circuits {

struct PlanNode {
  int degree = 0;      // degree of this node's polynomial
  int depth = 0;       // levels this node's evaluation may consume (its budget)
  int giant = 0;       // 0 for a leaf; otherwise the split p = q * T_giant + r
  int quotient = -1;   // index of q in PolyPlan::nodes (internal nodes only)
  int remainder = -1;  // index of r in PolyPlan::nodes (internal nodes only)
  bool leaf() const { return giant == 0; }
};

struct PolyPlan {
  int degree = 0;
  Parity parity = Parity::None;
  int depth = 0;                // levels consumed: ceil(log2(degree + 1))
  int log_baby = 0;             // leaves use T_j with j <= 2^log_baby - 1 (and giants)
  std::vector<int> powers;      // every T_j (j >= 2) the evaluation computes, ascending
  std::vector<PlanNode> nodes;  // nodes[0] is the root

  int internal_nodes() const;
  // Non-scalar (ciphertext-ciphertext) multiplications: one per computed power and per node.
  int nonscalar_mults() const { return static_cast<int>(powers.size()) + internal_nodes(); }
  // Scalar (constant) products in the leaves, one per nonzero-able coefficient slot.
  int leaf_terms() const;
  std::string describe() const;  // e.g. "deg 15 odd: depth 4, 8 mults, powers {2,3,4,8}, tree ..."
};

// Levels needed to evaluate a degree-d polynomial: ceil(log2(d + 1)) (0 for d = 0).
int chebyshev_depth(int degree);

// Depth of the power T_j built as above: ceil(log2 j) (0 for j <= 1).
int power_depth(int j);

// The minimal-depth, fewest-multiplication plan. Preconditions: 1 <= degree <= 4095; an Odd
// polynomial has odd degree, an Even one even degree >= 2. Throws InvalidArgument otherwise.
PolyPlan plan_chebyshev(int degree, Parity parity);

// Levels consumed and non-scalar multiplications of a chain of polynomials evaluated one after
// the other (sums of the stages' plans). Throws like plan_chebyshev.
int chain_depth(std::span<const ChebyshevPoly> chain);
int chain_nonscalar_mults(std::span<const ChebyshevPoly> chain);

// The coefficients of every node of the plan (nodes[i] -> result[i]), obtained by dividing c
// along the tree: an internal node keeps its own coefficients, its quotient and remainder
// children get the division's parts. Throws InvalidArgument when c.size() > plan.degree + 1.
std::vector<std::vector<double>> split_coefficients(const PolyPlan& plan,
                                                    std::span<const double> c);

}  // namespace fhecnn::circuits
