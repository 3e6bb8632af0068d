#include "common/error.hpp"

#include <gtest/gtest.h>

#include "common/bytes.hpp"
#include "common/types.hpp"

namespace fhecnn {
namespace {

TEST(Error, MessagesSayWhatAndWhy) {
  try {
    require(false, "rescale", Level{0}, " has no prime left");
    FAIL() << "require did not throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "cannot rescale: level 0 has no prime left");
  }
}

TEST(Bytes, RoundTripAndTruncation) {
  ByteWriter w;
  w.u32(7);
  w.u64(1ull << 60);
  w.f64(0.25);
  w.str("abc");
  const auto buf = w.take();
  ByteReader r(buf.data(), buf.size(), "test blob");
  EXPECT_EQ(r.u32(), 7u);
  EXPECT_EQ(r.u64(), 1ull << 60);
  EXPECT_EQ(r.f64(), 0.25);
  EXPECT_EQ(r.str(), "abc");
  EXPECT_EQ(r.remaining(), 0u);
  ByteReader t(buf.data(), 10, "short blob");
  t.u32();
  EXPECT_THROW(t.u64(), FormatError);
}

TEST(Types, StrongTypesConvertExplicitly) {
  EXPECT_EQ(LogN{16}.degree(), 65536u);
  EXPECT_EQ(LogN{16}.max_slots(), 32768u);
  EXPECT_EQ(Level{30}.limbs(), 31u);
  EXPECT_NEAR(Scale::from_log2(46).log2(), 46.0, 1e-12);
}

}  // namespace
}  // namespace fhecnn
