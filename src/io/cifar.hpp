// CIFAR-10 and CIFAR-100 binary batches (Krizhevsky, 2009): readers and input normalisation.
//
// CIFAR-10 record (3073 bytes): 1 label byte (0..9), then 3x1024 pixel bytes, planes R, G, B,
// each 32 rows x 32 columns, row-major. CIFAR-100 record (3074 bytes): coarse label (0..19),
// fine label (0..99), then the same 3072 pixel bytes. Files are plain concatenations of records.
// Images come out as float CHW in [0, 1] (pixel / 255).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fhecnn::io {

enum class CifarFormat { cifar10, cifar100 };

// One batch of decoded images, all 3x32x32.
struct CifarBatch {
  static constexpr int channels = 3;
  static constexpr int height = 32;
  static constexpr int width = 32;
  static constexpr std::size_t image_size = channels * height * width;  // 3072 values

  CifarFormat format = CifarFormat::cifar10;
  std::vector<float> pixels;       // size() * image_size values, image by image, CHW, in [0, 1]
  std::vector<int> labels;         // CIFAR-10 label, or CIFAR-100 fine label
  std::vector<int> coarse_labels;  // CIFAR-100 coarse label; empty for CIFAR-10

  std::size_t size() const { return labels.size(); }
  // Image i as 3072 CHW values. Precondition: i < size().
  std::span<const float> image(std::size_t i) const {
    return {pixels.data() + i * image_size, image_size};
  }
};

// Which records to read: [first, first + count); count = all_records reads to the end of the file.
struct CifarRange {
  static constexpr std::size_t all_records = static_cast<std::size_t>(-1);
  std::size_t first = 0;
  std::size_t count = all_records;
};

// Bytes per record of a format: 3073 (CIFAR-10) or 3074 (CIFAR-100).
std::size_t cifar_record_size(CifarFormat format);

// Decodes records from an in-memory copy of a whole batch file; `source` names it in errors.
// Throws FormatError ("cannot read CIFAR-10 batch <source>: ...") when the size is not a positive
// multiple of the record size or a label is out of range (with the record index), and
// InvalidArgument when the range goes past the last record.
CifarBatch parse_cifar(std::span<const std::uint8_t> bytes, CifarFormat format,
                       const std::string& source, CifarRange range = {});

// Reads records of a batch file (test_batch.bin, data_batch_1.bin, train.bin, ...), touching only
// the requested ones. Throws FormatError when the file cannot be opened, is truncated or
// malformed (same checks as parse_cifar), InvalidArgument for a range past the end.
CifarBatch read_cifar(const std::string& path, CifarFormat format, CifarRange range = {});

// Shorthand for read_cifar(path, CifarFormat::cifar10, range).
CifarBatch read_cifar10(const std::string& path, CifarRange range = {});

// Class names, one per non-empty line (CIFAR-10 batches.meta.txt, CIFAR-100 fine_label_names.txt).
// Throws FormatError when the file cannot be opened or holds no name.
std::vector<std::string> read_cifar_class_names(const std::string& path);
// The ten CIFAR-10 class names in label order (those of batches.meta.txt), for when no data
// folder is at hand.
std::vector<std::string> cifar10_class_names();

// Per-channel input normalisation x[c] = (pixel[c] - mean[c]) / std_dev[c] on pixels in [0, 1].
struct ChannelNormalization {
  std::array<double, 3> mean{0.0, 0.0, 0.0};
  std::array<double, 3> std_dev{1.0, 1.0, 1.0};
};

// The normalisation the paper's models were trained with (shared/models/README.md):
// mean (0.4914, 0.4822, 0.4465), std (0.2023, 0.1994, 0.2010); inputs then lie in [-2.43, 2.76].
ChannelNormalization cifar10_reference_normalization();

// Normalises one CHW image of 3 channels into float64. Throws InvalidArgument when the image size
// is not a multiple of 3 or a std_dev is not positive.
std::vector<double> normalize_image(std::span<const float> image_chw,
                                    const ChannelNormalization& norm);

}  // namespace fhecnn::io
