// The multiplexed layout (PAPER.md §6-§7): the paper's layouts, the slot formula, pack/unpack.
#include "nn/layout.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "common/error.hpp"

namespace fhecnn::nn {
namespace {

constexpr std::size_t kSlots = std::size_t{1} << 15;

Tensor random_tensor(Shape shape, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Tensor t(shape);
  for (double& v : t.values) v = dist(rng);
  return t;
}

struct PaperLayout {
  int gap, height, width, channels, groups, replicas;
};

// PAPER.md §7 table: (k, h, w, c) -> (t, p).
TEST(Layout, ReproducesThePapersResNetLayouts) {
  const PaperLayout table[] = {
      {1, 32, 32, 3, 3, 8}, {1, 32, 32, 16, 16, 2}, {2, 16, 16, 32, 8, 4}, {4, 8, 8, 64, 4, 8}};
  for (const auto& e : table) {
    const Layout l = Layout::multiplexed(e.gap, e.height, e.width, e.channels, kSlots);
    EXPECT_EQ(l.groups, e.groups) << l;
    EXPECT_EQ(l.replicas, e.replicas) << l;
    EXPECT_EQ(l.block_slots(), kSlots / static_cast<std::size_t>(e.replicas));
  }
}

TEST(Layout, SlotFormulaMatchesThePaper) {
  const Layout l = Layout::multiplexed(2, 16, 16, 32, kSlots);
  // ch 13: u = 13 div 4 = 3, s1 = (13 mod 4) div 2 = 0, s2 = 1; pixel (5, 7), replica 2.
  const std::size_t expected =
      2 * (kSlots / 4) + 3 * (4 * 16 * 16) + (2 * 5 + 0) * (2 * 16) + (2 * 7 + 1);
  EXPECT_EQ(l.slot(13, 5, 7, 2), expected);
}

TEST(Layout, SlotsAreDistinctAndInsideTheDataRegion) {
  for (const Layout& l :
       {Layout::multiplexed(1, 32, 32, 3, kSlots), Layout::multiplexed(2, 16, 16, 20, kSlots),
        Layout::multiplexed(4, 6, 10, 37, kSlots)}) {
    std::set<std::size_t> seen;
    for (int c = 0; c < l.channels; ++c) {
      for (int a = 0; a < l.height; ++a) {
        for (int b = 0; b < l.width; ++b) {
          const std::size_t off = l.offset(c, a, b);
          EXPECT_LT(off, l.data_slots());
          EXPECT_TRUE(seen.insert(off).second) << l << " channel " << c;
        }
      }
    }
  }
}

TEST(Layout, PackUnpackRoundTripManyShapes) {
  std::uint64_t seed = 1;
  for (int gap : {1, 2, 4}) {
    for (const Shape s : {Shape{3, 32, 32}, Shape{16, 32, 32}, Shape{5, 7, 9}, Shape{64, 8, 8},
                          Shape{11, 4, 6}, Shape{1, 1, 1}}) {
      const Layout l = Layout::multiplexed(gap, s.height, s.width, s.channels, 1 << 14);
      const Tensor t = random_tensor(s, seed++);
      const SlotVector v = pack(t, l, 0.5);
      EXPECT_EQ(layout_violation(v, l), 0.0) << l;
      for (int r = 0; r < l.replicas; ++r) {
        const Tensor back = unpack(v, l, r, 2.0);
        EXPECT_EQ(back.values, t.values) << l << " replica " << r;
      }
    }
  }
}

TEST(Layout, ViolationSeesPaddingAndReplicaMismatch) {
  const Layout l = Layout::multiplexed(2, 4, 4, 5, 1 << 10);  // 3 of 8 positions unused
  SlotVector v = pack(random_tensor(l.shape(), 7), l);
  SlotVector padded = v;
  padded[l.offset(4, 0, 0) + 1] = 0.25;  // channel 5 position does not exist
  EXPECT_DOUBLE_EQ(layout_violation(padded, l), 0.25);
  SlotVector replica = v;
  replica[l.slot(2, 1, 1, l.replicas - 1)] += 0.5;
  EXPECT_DOUBLE_EQ(layout_violation(replica, l), 0.5);
}

TEST(Layout, VectorLayoutPutsFeatureJAtSlotJ) {
  const Layout l = Layout::vector(64, kSlots);
  EXPECT_EQ(l.replicas, 1);
  for (int j : {0, 1, 37, 63}) EXPECT_EQ(l.slot(j, 0, 0, 0), static_cast<std::size_t>(j));
  const Tensor t = random_tensor(Shape{64, 1, 1}, 3);
  const SlotVector v = pack(t, l);
  EXPECT_EQ(v[63].real(), t.values[63]);
  EXPECT_EQ(v[64].real(), 0.0);
}

TEST(Layout, StridedLayoutDoublesTheGap) {
  const Layout in = Layout::multiplexed(1, 32, 32, 16, kSlots);
  const Layout out = strided_layout(in, 32, 2);
  EXPECT_EQ(out, Layout::multiplexed(2, 16, 16, 32, kSlots));
  EXPECT_EQ(strided_layout(in, 16, 1), in);
  EXPECT_EQ(strided_layout(in, 16, 4).gap, 4);
  EXPECT_THROW(strided_layout(in, 16, 3), InvalidArgument);
  EXPECT_THROW(strided_layout(Layout::multiplexed(1, 6, 6, 1, kSlots), 4, 4), InvalidArgument);
}

TEST(Layout, RejectsWhatDoesNotFit) {
  EXPECT_THROW(Layout::multiplexed(3, 8, 8, 4, kSlots), InvalidArgument);     // gap not 2^i
  EXPECT_THROW(Layout::multiplexed(1, 64, 64, 16, kSlots), InvalidArgument);  // 65536 slots
  EXPECT_THROW(Layout::multiplexed(1, 4, 4, 4, 1000), InvalidArgument);       // n not 2^i
  Layout broken = Layout::multiplexed(1, 4, 4, 4, 1024);
  broken.groups = 3;
  EXPECT_THROW(broken.check("test"), InvalidArgument);
  const Tensor wrong(Shape{4, 4, 5});
  EXPECT_THROW(pack(wrong, Layout::multiplexed(1, 4, 4, 4, 1024)), InvalidArgument);
  try {
    Layout::multiplexed(1, 64, 64, 16, kSlots);
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot build layout"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fhecnn::nn
