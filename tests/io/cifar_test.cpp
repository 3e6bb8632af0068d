#include "io/cifar.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace fhecnn::io {
namespace {

namespace fs = std::filesystem;

// A CIFAR-10 record whose pixel (c, y, x) is (label + c * 7 + y * 3 + x) mod 256.
std::vector<std::uint8_t> record10(std::uint8_t label) {
  std::vector<std::uint8_t> r{label};
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 32; ++y) {
      for (int x = 0; x < 32; ++x)
        r.push_back(static_cast<std::uint8_t>(label + c * 7 + y * 3 + x));
    }
  }
  return r;
}

std::vector<std::uint8_t> records10(std::initializer_list<std::uint8_t> labels) {
  std::vector<std::uint8_t> bytes;
  for (std::uint8_t l : labels) {
    const auto r = record10(l);
    bytes.insert(bytes.end(), r.begin(), r.end());
  }
  return bytes;
}

// Writes bytes to a fresh file in the temporary directory and removes it at scope exit.
class TempFile {
 public:
  TempFile(const std::string& name, const std::vector<std::uint8_t>& bytes)
      : path_(fs::temp_directory_path() /
              ("fhecnn_cifar_test_" + std::to_string(::getpid()) + "_" + name)) {
    std::ofstream out(path_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(Cifar, ReadsLabelsAndChwPixels) {
  const TempFile file("ok.bin", records10({3, 9, 0}));
  const CifarBatch batch = read_cifar10(file.path());
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.labels, (std::vector<int>{3, 9, 0}));
  EXPECT_TRUE(batch.coarse_labels.empty());
  ASSERT_EQ(batch.pixels.size(), 3 * CifarBatch::image_size);
  const auto image = batch.image(1);  // label 9
  EXPECT_FLOAT_EQ(image[0], 9.0f / 255.0f);
  EXPECT_FLOAT_EQ(image[1 * 1024 + 2 * 32 + 5], (9 + 7 + 6 + 5) / 255.0f);  // c=1, y=2, x=5
  EXPECT_FLOAT_EQ(image[2 * 1024 + 31 * 32 + 31],
                  static_cast<std::uint8_t>(9 + 14 + 93 + 31) / 255.0f);
}

TEST(Cifar, ReadsARangeOfRecords) {
  const TempFile file("range.bin", records10({1, 2, 3, 4}));
  const CifarBatch batch = read_cifar10(file.path(), {1, 2});
  EXPECT_EQ(batch.labels, (std::vector<int>{2, 3}));
  EXPECT_FLOAT_EQ(batch.image(0)[0], 2.0f / 255.0f);
  EXPECT_EQ(read_cifar10(file.path(), {3}).labels, (std::vector<int>{4}));
  EXPECT_THROW(read_cifar10(file.path(), {2, 3}), InvalidArgument);
  EXPECT_THROW(read_cifar10(file.path(), {4, 1}), InvalidArgument);
}

TEST(Cifar, ParsesFromMemory) {
  const auto bytes = records10({5, 6});
  const CifarBatch batch = parse_cifar(bytes, CifarFormat::cifar10, "memory", {1, 1});
  EXPECT_EQ(batch.labels, (std::vector<int>{6}));
}

TEST(Cifar, RejectsTruncatedFiles) {
  auto bytes = records10({1, 2});
  bytes.resize(bytes.size() - 100);
  const TempFile file("truncated.bin", bytes);
  const std::string msg = message_of([&] { read_cifar10(file.path()); });
  EXPECT_NE(msg.find("cannot read CIFAR-10 batch " + file.path() + ": size 6046 bytes"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("1 whole records and 2973 bytes left over"), std::string::npos) << msg;
  EXPECT_THROW(read_cifar10(file.path()), FormatError);
}

TEST(Cifar, RejectsEmptyMissingAndMalformedFiles) {
  const TempFile empty("empty.bin", {});
  EXPECT_NE(message_of([&] { read_cifar10(empty.path()); }).find("the file is empty"),
            std::string::npos);
  EXPECT_THROW(read_cifar10("/nonexistent/test_batch.bin"), FormatError);
  const TempFile bad("bad_label.bin", records10({1, 12, 3}));
  EXPECT_THROW(read_cifar10(bad.path()), FormatError);
  EXPECT_NE(
      message_of([&] { read_cifar10(bad.path()); }).find("record 1 has label 12 (expected 0..9)"),
      std::string::npos);
}

TEST(Cifar, ReadsCifar100Records) {
  std::vector<std::uint8_t> bytes;
  for (std::uint8_t fine : {42, 99}) {
    bytes.push_back(7);  // coarse label
    bytes.push_back(fine);
    bytes.insert(bytes.end(), CifarBatch::image_size, 255);
  }
  const CifarBatch batch = parse_cifar(bytes, CifarFormat::cifar100, "cifar100");
  EXPECT_EQ(batch.labels, (std::vector<int>{42, 99}));
  EXPECT_EQ(batch.coarse_labels, (std::vector<int>{7, 7}));
  EXPECT_FLOAT_EQ(batch.image(1)[3071], 1.0f);
  bytes[1] = 100;
  const std::string msg = message_of([&] { parse_cifar(bytes, CifarFormat::cifar100, "c100"); });
  EXPECT_NE(msg.find("cannot read CIFAR-100 batch c100: record 0 has label 100"), std::string::npos)
      << msg;
  EXPECT_THROW(parse_cifar(bytes, CifarFormat::cifar10, "c100-as-c10"), FormatError);
}

TEST(Cifar, ReferenceNormalizationMatchesTheModelsReadme) {
  const ChannelNormalization norm = cifar10_reference_normalization();
  std::vector<float> image(CifarBatch::image_size, 0.0f);
  image[1024] = 1.0f;  // green channel, pixel 255
  image[2048] = 1.0f;  // blue channel, pixel 255
  const std::vector<double> x = normalize_image(image, norm);
  EXPECT_NEAR(x[0], -2.4291, 1e-4);    // (0 - 0.4914) / 0.2023
  EXPECT_NEAR(x[1024], 2.5968, 1e-4);  // (1 - 0.4822) / 0.1994
  EXPECT_NEAR(x[2048], 2.7537, 1e-4);  // (1 - 0.4465) / 0.2010, the README's maximum
  EXPECT_THROW(normalize_image(std::vector<float>(4, 0.0f), norm), InvalidArgument);
}

TEST(Cifar, ReadsClassNames) {
  const std::string text = "airplane\nautomobile\r\n\nbird\n";
  const TempFile file("meta.txt", std::vector<std::uint8_t>(text.begin(), text.end()));
  EXPECT_EQ(read_cifar_class_names(file.path()),
            (std::vector<std::string>{"airplane", "automobile", "bird"}));
  EXPECT_THROW(read_cifar_class_names("/nonexistent/batches.meta.txt"), FormatError);
}

TEST(Cifar, SharedTestBatchHasInterleavedLabels) {
  const char* env = std::getenv("FHECNN_SHARED");
  const fs::path shared =
      env ? fs::path(env)
          : fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "shared";
  const fs::path file = shared / "data" / "cifar10" / "test_batch.bin";
  if (!fs::exists(file)) GTEST_SKIP() << file << " is absent (set FHECNN_SHARED)";
  const CifarBatch first = read_cifar10(file.string(), {0, 30});
  for (std::size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(first.labels[i], static_cast<int>(i % 10));
  const CifarBatch last = read_cifar10(file.string(), {9999, 1});  // the README's 10000 records
  EXPECT_EQ(last.labels[0], 9);
  EXPECT_THROW(read_cifar10(file.string(), {10000, 1}), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::io
