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
#pragma once

#include <concepts>
#include <cstddef>
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

template <typename B>
concept PeriodicBootstrappingBackend =
    BootstrappingBackend<B> && requires(B& b, const typename B::Value& x, std::size_t period) {
      { b.bootstrap_periodic(x, period) } -> std::same_as<typename B::Value>;
    };

}  // namespace fhecnn::nn
