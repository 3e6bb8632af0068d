// Graph rewriting passes. Each keeps the network's function: the float outputs before and after
// agree up to rounding (tests/nn/passes_test.cpp checks it on the shared models).
#pragma once

#include <cstddef>

#include "nn/graph.hpp"

namespace fhecnn::nn {

// Folds every BatchNorm whose input is a Conv2d read by nothing else into that convolution:
// with a = scale / sqrt(variance + epsilon), weights[o] *= a[o] and
// bias[o] = (bias[o] - mean[o]) * a[o] + shift[o]. The convolution keeps its name and takes over
// the BatchNorm's output value. Returns the number of folded BatchNorms. Throws nothing beyond
// what validate() throws on an invalid graph.
std::size_t fold_batch_norm(Graph& graph);

// Replaces each Slice(rows and columns start 0 step s, all channels) read only by a
// Pad(channels only, value 0) with one DownsampleShortcut node (the option-A shortcut,
// PAPER.md §10.1) named after the Slice. Returns the number of fused pairs.
std::size_t fuse_downsample_shortcuts(Graph& graph);

// Drops values that no node produces or reads (left behind by the passes above) and renumbers
// the rest, keeping their order.
void remove_unused_values(Graph& graph);

}  // namespace fhecnn::nn
