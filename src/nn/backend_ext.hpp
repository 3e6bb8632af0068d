// What the CNN engine needs from a backend beyond circuits::Backend (circuits/backend.hpp).
//
// * PlainAddingBackend: add_plain(x, v) adds a slot vector v, encoded at x's scale; level and
//   scale unchanged (CKKS: encode v at (level(x), scale(x)) and add it to the c0 component).
//   The Backend concept has only add_const (one constant in every slot), and a per-slot vector
//   cannot be added with it without spending a level and a ciphertext of ones, so the fully
//   connected layer's bias needs this. (The convolution bias, i.e. the BatchNorm shift, needs
//   no vector addition: it is added as one constant per output channel before that channel's
//   collect mask, see packed_layers.hpp.)
// * BootstrappingBackend: bootstrap(x) refreshes x to the backend's configured level and scale
//   (after bootstrapping every slot is real: the paper's imaginary-removing bootstrap, PAPER.md
//   §3-§4). Preconditions are the backend's; the simulated one (sim_backend.hpp) requires
//   level 0 and max |slot| <= 1 as CKKS bootstrapping does.
// * PeriodicBootstrappingBackend: also bootstrap_periodic(x, period) for a message known to be
//   periodic with that period (a power of two dividing the slot count): CKKS bootstraps it as a
//   sparse message of `period` slots, much cheaper than a full-slot bootstrap. packed::bootstrap
//   uses it with the layout's block_slots() when the backend has it (nn/ckks_nn_backend.hpp).
// * SparsePlainBackend: also takes plaintexts as runs of equal values (SparsePlain below; the
//   layers' weight plaintexts and masks are such vectors, a few thousand runs where a dense
//   vector has n slots): mul_plain_sparse(x, runs, s) is mul_plain(x, dense_plain(runs, n), s)
//   and mul_plain_sparse_then_add(acc, x, runs, s) is acc = add(acc, mul_plain_sparse(x, runs,
//   s)), with the same results, checks and operation counts, touching only the runs' slots. The
//   layers pass their plaintexts this way when the backend has it (the slot simulator,
//   nn/sim_backend.hpp), as circuits' polynomials use mul_const_then_add.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "circuits/backend.hpp"

namespace fhecnn::nn {

template <typename B>
concept PlainAddingBackend = circuits::Backend<B> &&
    requires(B& b, const typename B::Value& x, const std::vector<circuits::Complex>& v) {
  { b.add_plain(x, v) } -> std::same_as<typename B::Value>;
};

template <typename B>
concept BootstrappingBackend = circuits::Backend<B> && requires(B& b, const typename B::Value& x) {
  { b.bootstrap(x) } -> std::same_as<typename B::Value>;
  { b.bootstrap_level() } -> std::same_as<Level>;
  { b.bootstrap_scale() } -> std::same_as<Scale>;
};

// Slots start, start + stride, ... (count of them) hold value.
struct PlainRun {
  std::uint32_t start = 0;
  std::uint32_t count = 0;
  std::uint32_t stride = 1;
  double value = 0.0;
};
// A real plaintext vector as runs that do not overlap; every slot outside them is 0.
using SparsePlain = std::vector<PlainRun>;

// The n-slot vector of the runs, into v (reusing its storage). Precondition: every run lies in
// [0, n).
inline void dense_plain(const SparsePlain& runs, std::size_t n, std::vector<circuits::Complex>& v) {
  v.assign(n, circuits::Complex{});
  for (const PlainRun& r : runs) {
    for (std::uint32_t j = 0; j < r.count; ++j) v[r.start + std::size_t{j} * r.stride] = r.value;
  }
}

inline std::vector<circuits::Complex> dense_plain(const SparsePlain& runs, std::size_t n) {
  std::vector<circuits::Complex> v;
  dense_plain(runs, n, v);
  return v;
}

template <typename B>
concept SparsePlainBackend =
    circuits::Backend<B> && requires(B& b, typename B::Value& acc, const typename B::Value& x,
                                     const SparsePlain& runs, Scale s) {
      { b.mul_plain_sparse(x, runs, s) } -> std::same_as<typename B::Value>;
      { b.mul_plain_sparse_then_add(acc, x, runs, s) } -> std::same_as<void>;
    };

template <typename B>
concept PeriodicBootstrappingBackend =
    BootstrappingBackend<B> && requires(B& b, const typename B::Value& x, std::size_t period) {
      { b.bootstrap_periodic(x, period) } -> std::same_as<typename B::Value>;
    };

}  // namespace fhecnn::nn
