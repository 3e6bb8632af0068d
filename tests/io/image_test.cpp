// io::read_image / decode_image / resize_image on files written here: hand-made PPM/PGM bytes and
// PNG, BMP, JPEG from stb_image_write; sizes, exact values, resizing, and every way a file can be
// bad (missing, empty, not an image, truncated, corrupt).
#include "io/image.hpp"

#include <gtest/gtest.h>

#include "testing/expect_error.hpp"
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "io/cifar.hpp"
#include "testing/image_files.hpp"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace fhecnn::io {
namespace {

// Any fhecnn Error (FormatError or InvalidArgument) with the text.
void expect_error(const std::function<void()>& f, const std::string& needle) {
  testing::expect_error<Error>(f, needle);
}

namespace fs = std::filesystem;
using testing::pattern_rgb;
using testing::ppm_bytes;


void append(std::vector<std::uint8_t>* out, const void* data, int size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

// PNG / BMP / JPEG bytes of a width x height image with `comp` interleaved channels.
std::vector<std::uint8_t> encode(const std::string& format, int width, int height, int comp,
                                 const std::vector<std::uint8_t>& px) {
  std::vector<std::uint8_t> out;
  auto sink = [](void* ctx, void* data, int size) {
    append(static_cast<std::vector<std::uint8_t>*>(ctx), data, size);
  };
  int ok = 0;
  if (format == "png")
    ok = stbi_write_png_to_func(sink, &out, width, height, comp, px.data(), width * comp);
  if (format == "bmp") ok = stbi_write_bmp_to_func(sink, &out, width, height, comp, px.data());
  if (format == "jpg") ok = stbi_write_jpg_to_func(sink, &out, width, height, comp, px.data(), 100);
  EXPECT_EQ(ok, 1) << format;
  return out;
}

void expect_pixels(const Image& img, int width, int height, const std::vector<std::uint8_t>& rgb,
                   double tol = 0.0) {
  ASSERT_EQ(img.channels, 3);
  ASSERT_EQ(img.width, width);
  ASSERT_EQ(img.height, height);
  ASSERT_EQ(img.chw.size(), 3u * width * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        const double want = rgb[static_cast<std::size_t>((y * width + x) * 3 + c)] / 255.0;
        ASSERT_NEAR(img.at(c, y, x), want, tol + 1e-7) << "c " << c << " y " << y << " x " << x;
      }
}

class ImageFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fhecnn_image_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// ---------------------------------------------------------------- decoding

TEST(ImageDecode, PpmGivesPlanesInZeroOneExactly) {
  const auto rgb = pattern_rgb(5, 3);
  const Image img = decode_image(ppm_bytes(5, 3, rgb), "t.ppm");
  expect_pixels(img, 5, 3, rgb);
  EXPECT_EQ(img.size().height, 3);
  // CHW: the red plane first, row-major.
  EXPECT_FLOAT_EQ(img.chw[1], rgb[3] / 255.0f);   // R of (0, 1)
  EXPECT_FLOAT_EQ(img.chw[15], rgb[1] / 255.0f);  // G of (0, 0)
}

TEST(ImageDecode, PngBmpAndJpegGiveTheSamePixels) {
  const auto rgb = pattern_rgb(6, 4, 9);
  expect_pixels(decode_image(encode("png", 6, 4, 3, rgb), "t.png"), 6, 4, rgb);
  expect_pixels(decode_image(encode("bmp", 6, 4, 3, rgb), "t.bmp"), 6, 4, rgb);
  // JPEG is lossy: a flat image survives quality 100 almost exactly.
  const std::vector<std::uint8_t> flat(8 * 8 * 3, 200);
  expect_pixels(decode_image(encode("jpg", 8, 8, 3, flat), "t.jpg"), 8, 8, flat, 2.0 / 255);
}

TEST(ImageDecode, GrayIsExpandedAndAlphaDropped) {
  const std::vector<std::uint8_t> gray = {0, 51, 102, 255};
  const Image g = decode_image(encode("png", 2, 2, 1, gray), "g.png");
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(g.at(c, i / 2, i % 2), gray[i] / 255.0f);
  }
  const std::vector<std::uint8_t> rgba = {10, 20, 30, 0, 40, 50, 60, 128};  // alpha 0 and 128
  const Image a = decode_image(encode("png", 2, 1, 4, rgba), "a.png");
  expect_pixels(a, 2, 1, {10, 20, 30, 40, 50, 60});
  // A binary PGM (P5) too.
  std::string pgm = "P5 3 1 255\n";
  std::vector<std::uint8_t> bytes(pgm.begin(), pgm.end());
  bytes.insert(bytes.end(), {0, 128, 255});
  const Image p = decode_image(bytes, "g.pgm");
  EXPECT_FLOAT_EQ(p.at(2, 0, 1), 128 / 255.0f);
}

TEST(ImageDecode, SixteenBitSamplesAreDividedBy65535) {
  std::string head = "P6\n1 1\n65535\n";
  std::vector<std::uint8_t> bytes(head.begin(), head.end());
  bytes.insert(bytes.end(), {0xff, 0xff, 0x80, 0x00, 0x00, 0x01});  // big endian 65535, 32768, 1
  const Image img = decode_image(bytes, "16.ppm");
  EXPECT_FLOAT_EQ(img.at(0, 0, 0), 1.0f);
  EXPECT_FLOAT_EQ(img.at(1, 0, 0), 32768.0f / 65535.0f);
  EXPECT_FLOAT_EQ(img.at(2, 0, 0), 1.0f / 65535.0f);
  // PGM samples are divided by maxval.
  std::string head15 = "P5\n2 1\n15\n";
  std::vector<std::uint8_t> pgm(head15.begin(), head15.end());
  pgm.insert(pgm.end(), {15, 3});
  const Image g = decode_image(pgm, "15.pgm");
  EXPECT_FLOAT_EQ(g.at(0, 0, 0), 1.0f);
  EXPECT_FLOAT_EQ(g.at(1, 0, 1), 0.2f);
  pgm.back() = 16;
  expect_error([&] { decode_image(pgm, "16.pgm"); }, "sample 16 exceeds maxval 15");
}

TEST(ImageDecode, NormalisesWithTheCifarFunction) {
  // The same normalisation as CIFAR records (io::normalize_image): p/255 - mean) / std.
  const std::vector<std::uint8_t> rgb = {255, 0, 128};
  const Image img = decode_image(ppm_bytes(1, 1, rgb), "n.ppm");
  const auto x = normalize_image(img.chw, cifar10_reference_normalization());
  EXPECT_NEAR(x[0], (1.0 - 0.4914) / 0.2023, 1e-6);
  EXPECT_NEAR(x[1], (0.0 - 0.4822) / 0.1994, 1e-6);
  EXPECT_NEAR(x[2], (128 / 255.0 - 0.4465) / 0.2010, 1e-6);
}

// ---------------------------------------------------------------- resizing

TEST(ImageResize, BoxFilterAveragesBlocksExactly) {
  const auto rgb = pattern_rgb(8, 4, 3);
  const Image img = decode_image(ppm_bytes(8, 4, rgb), "r.ppm");
  const Image half = resize_image(img, {2, 4});
  ASSERT_EQ(half.height, 2);
  ASSERT_EQ(half.width, 4);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 4; ++x) {
        const double mean = (img.at(c, 2 * y, 2 * x) + img.at(c, 2 * y, 2 * x + 1) +
                             img.at(c, 2 * y + 1, 2 * x) + img.at(c, 2 * y + 1, 2 * x + 1)) /
                            4.0;
        EXPECT_NEAR(half.at(c, y, x), mean, 1e-5) << c << " " << y << " " << x;
      }
}

TEST(ImageResize, UpsamplingIsBilinearAndKeepsRanges) {
  const std::vector<std::uint8_t> rgb = {0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255};  // 2x2
  const Image img = decode_image(ppm_bytes(2, 2, rgb), "u.ppm");
  const Image big = resize_image(img, {4, 8});
  ASSERT_EQ(big.chw.size(), 3u * 4 * 8);
  for (float v : big.chw) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  // Left edge dark, right edge bright, increasing across the row, constant down the columns.
  for (int x = 1; x < 8; ++x) EXPECT_GE(big.at(0, 1, x), big.at(0, 1, x - 1));
  EXPECT_LT(big.at(0, 0, 0), 0.2f);
  EXPECT_GT(big.at(0, 0, 7), 0.8f);
  EXPECT_FLOAT_EQ(big.at(1, 0, 3), big.at(1, 3, 3));
  // Same size: unchanged; a flat image stays flat at any size.
  EXPECT_EQ(resize_image(img, {2, 2}).chw, img.chw);
  const Image flat = decode_image(ppm_bytes(3, 5, std::vector<std::uint8_t>(45, 77)), "f.ppm");
  for (float v : resize_image(flat, {7, 2}).chw) EXPECT_NEAR(v, 77 / 255.0, 1e-5);
}

TEST(ImageResize, RejectsBadSizes) {
  const Image img = decode_image(ppm_bytes(2, 2, pattern_rgb(2, 2)), "s.ppm");
  expect_error([&] { resize_image(img, {0, 4}); }, "cannot resize image: target size 4x0");
  expect_error([&] { resize_image(img, {4, kMaxImageSide + 1}); }, "is outside [1, 8192]");
  Image bad = img;
  bad.chw.pop_back();
  expect_error([&] { resize_image(bad, {1, 1}); }, "11 values for 3x2x2");
}

TEST(ImageCrop, CropToAspectKeepsTheCentredRegion) {
  const Image wide = decode_image(ppm_bytes(6, 4, pattern_rgb(6, 4, 5)), "w.ppm");
  const Image sq = crop_to_aspect(wide, {32, 32});  // 1:1 -> the middle 4x4 (columns 1..4)
  ASSERT_EQ(sq.height, 4);
  ASSERT_EQ(sq.width, 4);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) EXPECT_EQ(sq.at(c, y, x), wide.at(c, y, x + 1));
  const Image tall = decode_image(ppm_bytes(2, 7, pattern_rgb(2, 7, 6)), "t.ppm");
  const Image t = crop_to_aspect(tall, {1, 1});  // rows 2..3
  ASSERT_EQ(t.height, 2);
  ASSERT_EQ(t.width, 2);
  EXPECT_EQ(t.at(1, 0, 1), tall.at(1, 2, 1));
  EXPECT_EQ(crop_to_aspect(wide, {2, 3}).chw, wide.chw);  // already 3:2
  expect_error([&] { crop_to_aspect(wide, {0, 3}); }, "cannot crop image");
}

// ---------------------------------------------------------------- rejection

TEST_F(ImageFileTest, ReadsFilesAndNamesMissingOnes) {
  const auto rgb = pattern_rgb(4, 2);
  testing::write_bytes(path("a.ppm"), ppm_bytes(4, 2, rgb));
  expect_pixels(read_image(path("a.ppm")), 4, 2, rgb);
  testing::write_bytes(path("a.png"), encode("png", 4, 2, 3, rgb));
  expect_pixels(read_image(path("a.png")), 4, 2, rgb);
  expect_error([&] { read_image(path("none.png")); },
               "cannot read image " + path("none.png") + ": No such file or directory");
  expect_error([&] { read_image(dir_.string()); }, "cannot read image " + dir_.string());
}

TEST(ImageDecode, RejectsEmptyTextAndUnsupportedFiles) {
  expect_error([] { decode_image({}, "e.png"); }, "cannot read image e.png: the file is empty");
  const std::string text = "this is not an image, just some text\n";
  const std::vector<std::uint8_t> t(text.begin(), text.end());
  expect_error([&] { decode_image(t, "t.txt"); },
               "cannot read image t.txt: not a PNG, JPEG, BMP or binary PPM/PGM file");
  const std::string ascii = "P3\n1 1\n255\n1 2 3\n";
  expect_error(
      [&] { decode_image(std::vector<std::uint8_t>(ascii.begin(), ascii.end()), "a.ppm"); },
      "PNM variant P3 is not supported");
  const std::string huge = "P6\n9000 1\n255\n";
  std::vector<std::uint8_t> h(huge.begin(), huge.end());
  h.resize(h.size() + 9000 * 3);
  expect_error([&] { decode_image(h, "h.ppm"); }, "is outside [1, 8192] per side");
  const std::string maxval = "P6\n1 1\n0\n\1\2\3";
  expect_error(
      [&] { decode_image(std::vector<std::uint8_t>(maxval.begin(), maxval.end()), "m.ppm"); },
      "maxval 0 is outside [1, 65535]");
}

// Every proper prefix of a small file of each format is refused (stb_image alone would accept
// truncated PPM, BMP and JPEG files with made-up pixels).
TEST(ImageDecode, EveryTruncationIsRejected) {
  const auto rgb = pattern_rgb(4, 3, 5);
  const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files = {
      {"ppm", ppm_bytes(4, 3, rgb)},
      {"png", encode("png", 4, 3, 3, rgb)},
      {"bmp", encode("bmp", 4, 3, 3, rgb)},
      {"jpg", encode("jpg", 4, 3, 3, rgb)}};
  for (const auto& [name, bytes] : files) {
    EXPECT_NO_THROW(decode_image(bytes, name)) << name;
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      const std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(len));
      EXPECT_THROW(decode_image(prefix, name), FormatError)
          << name << " prefix of " << len << " bytes";
    }
  }
  const auto ppm = ppm_bytes(4, 3, rgb);
  expect_error(
      [&] { decode_image(std::vector<std::uint8_t>(ppm.begin(), ppm.end() - 1), "t.ppm"); },
      "cannot read image t.ppm: truncated: the 4x3 raster needs 36 bytes, the file has 35");
  const auto jpg = encode("jpg", 4, 3, 3, rgb);
  expect_error(
      [&] { decode_image(std::vector<std::uint8_t>(jpg.begin(), jpg.end() - 2), "t.jpg"); },
      "truncated JPEG");
}

TEST(ImageDecode, CorruptPngIsRejectedWithStbsReason) {
  auto png = encode("png", 4, 3, 3, pattern_rgb(4, 3));
  // The IHDR chunk: length at 8, "IHDR" at 12, width at 16; a zero width is invalid.
  png[16] = png[17] = png[18] = png[19] = 0;
  expect_error([&] { decode_image(png, "c.png"); },
               "cannot read image c.png: corrupt or unsupported PNG (stb_image: ");
}

}  // namespace
}  // namespace fhecnn::io
