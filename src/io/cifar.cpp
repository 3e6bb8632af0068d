#include "io/cifar.hpp"

#include <fstream>

#include "common/error.hpp"

namespace fhecnn::io {
namespace {

constexpr std::size_t label_bytes(CifarFormat format) {
  return format == CifarFormat::cifar10 ? 1 : 2;
}

std::string read_what(CifarFormat format, const std::string& source) {
  return str_cat("read ", format == CifarFormat::cifar10 ? "CIFAR-10" : "CIFAR-100", " batch ",
                 source);
}

// Checks the byte count and the range; returns the number of records to decode.
std::size_t checked_count(std::size_t total_bytes, CifarFormat format, const std::string& source,
                          CifarRange range) {
  const std::size_t record = cifar_record_size(format);
  const std::string what = read_what(format, source);
  require<FormatError>(total_bytes > 0, what, "the file is empty");
  require<FormatError>(total_bytes % record == 0, what, "size ", total_bytes,
                       " bytes is not a multiple of the ", record, "-byte record (truncated? ",
                       total_bytes / record, " whole records and ", total_bytes % record,
                       " bytes left over)");
  const std::size_t records = total_bytes / record;
  require(range.first < records, what, "first record ", range.first, " is past the last record ",
          records - 1);
  if (range.count == CifarRange::all_records) return records - range.first;
  require(range.count <= records - range.first, what, "records [", range.first, ", ",
          range.first + range.count, ") asked for but the file holds ", records);
  return range.count;
}

// Appends one record (label bytes + 3072 pixels) to the batch; `index` is its record number.
void decode_record(const std::uint8_t* record, std::size_t index, const std::string& what,
                   CifarBatch& out) {
  const bool is10 = out.format == CifarFormat::cifar10;
  const int label = is10 ? record[0] : record[1];
  const int max_label = is10 ? 9 : 99;
  require<FormatError>(label <= max_label, what, "record ", index, " has label ", label,
                       " (expected 0..", max_label, ")");
  if (!is10) {
    require<FormatError>(record[0] <= 19, what, "record ", index, " has coarse label ",
                         int{record[0]}, " (expected 0..19)");
    out.coarse_labels.push_back(record[0]);
  }
  out.labels.push_back(label);
  const std::uint8_t* pixel = record + label_bytes(out.format);
  for (std::size_t i = 0; i < CifarBatch::image_size; ++i) {
    out.pixels.push_back(static_cast<float>(pixel[i]) / 255.0f);
  }
}

CifarBatch decode_records(const std::uint8_t* data, std::size_t count, std::size_t first_index,
                          CifarFormat format, const std::string& what) {
  CifarBatch batch;
  batch.format = format;
  batch.labels.reserve(count);
  batch.pixels.reserve(count * CifarBatch::image_size);
  const std::size_t record = cifar_record_size(format);
  for (std::size_t r = 0; r < count; ++r) {
    decode_record(data + r * record, first_index + r, what, batch);
  }
  return batch;
}

}  // namespace

std::size_t cifar_record_size(CifarFormat format) {
  return label_bytes(format) + CifarBatch::image_size;
}

CifarBatch parse_cifar(std::span<const std::uint8_t> bytes, CifarFormat format,
                       const std::string& source, CifarRange range) {
  const std::size_t count = checked_count(bytes.size(), format, source, range);
  const std::uint8_t* start = bytes.data() + range.first * cifar_record_size(format);
  return decode_records(start, count, range.first, format, read_what(format, source));
}

CifarBatch read_cifar(const std::string& path, CifarFormat format, CifarRange range) {
  const std::string what = read_what(format, path);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  require<FormatError>(in.good(), what, "the file cannot be opened");
  const auto end = in.tellg();
  require<FormatError>(end >= 0, what, "the file size cannot be determined");
  const std::size_t count = checked_count(static_cast<std::size_t>(end), format, path, range);
  const std::size_t record = cifar_record_size(format);
  std::vector<std::uint8_t> bytes(count * record);
  in.seekg(static_cast<std::streamoff>(range.first * record));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  require<FormatError>(in.gcount() == static_cast<std::streamsize>(bytes.size()), what, "read ",
                       in.gcount(), " of ", bytes.size(), " bytes");
  return decode_records(bytes.data(), count, range.first, format, what);
}

CifarBatch read_cifar10(const std::string& path, CifarRange range) {
  return read_cifar(path, CifarFormat::cifar10, range);
}

std::vector<std::string> read_cifar_class_names(const std::string& path) {
  std::ifstream in(path);
  require<FormatError>(in.good(), "read class names " + path, "the file cannot be opened");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  require<FormatError>(!names.empty(), "read class names " + path, "the file holds no name");
  return names;
}

std::vector<std::string> cifar10_class_names() {
  return {"airplane", "automobile", "bird", "cat", "deer",
          "dog",      "frog",       "horse", "ship", "truck"};
}

ChannelNormalization cifar10_reference_normalization() {
  return ChannelNormalization{{0.4914, 0.4822, 0.4465}, {0.2023, 0.1994, 0.2010}};
}

std::vector<double> normalize_image(std::span<const float> image_chw,
                                    const ChannelNormalization& norm) {
  require(!image_chw.empty() && image_chw.size() % 3 == 0, "normalize image", "size ",
          image_chw.size(), " is not a positive multiple of 3 channels");
  for (double s : norm.std_dev) {
    require(s > 0.0, "normalize image", "std_dev ", s, " is not positive");
  }
  const std::size_t plane = image_chw.size() / 3;
  std::vector<double> out(image_chw.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t c = i / plane;
    out[i] = (static_cast<double>(image_chw[i]) - norm.mean[c]) / norm.std_dev[c];
  }
  return out;
}

}  // namespace fhecnn::io
