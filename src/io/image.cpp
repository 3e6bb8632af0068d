#include "io/image.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "common/error.hpp"

// The only translation unit with the stb implementations (static: nothing is exported, nothing
// to link). Only PNG, JPEG and BMP are compiled in (PNM is decoded here).
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_MAX_DIMENSIONS 8192
#include <stb/stb_image.h>

#define STB_IMAGE_RESIZE_STATIC
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb/stb_image_resize.h>

namespace fhecnn::io {
namespace {

static_assert(STBI_MAX_DIMENSIONS == kMaxImageSide);

// Files above this are refused before reading (stb takes an int length).
constexpr std::size_t kMaxImageFileBytes = std::size_t{1} << 30;

enum class Format { png, jpeg, bmp, pnm };

const char* format_name(Format f) {
  switch (f) {
    case Format::png:
      return "PNG";
    case Format::jpeg:
      return "JPEG";
    case Format::bmp:
      return "BMP";
    case Format::pnm:
      return "PPM/PGM";
  }
  return "?";
}

std::string op(const std::string& source) { return "read image " + source; }

Format detect(std::span<const std::uint8_t> b, const std::string& source) {
  static constexpr std::uint8_t png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  require<FormatError>(!b.empty(), op(source), "the file is empty");
  if (b.size() >= 8 && std::memcmp(b.data(), png, 8) == 0) return Format::png;
  if (b.size() >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return Format::jpeg;
  if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') return Format::bmp;
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') {
    require<FormatError>(b[1] == '5' || b[1] == '6', op(source), "PNM variant P", b[1] - '0',
                         " is not supported (only binary PGM P5 and PPM P6)");
    return Format::pnm;
  }
  fail<FormatError>(op(source), "not a PNG, JPEG, BMP or binary PPM/PGM file (unknown signature)");
}

// --- truncation checks stb_image 2.27 does not make ---

// A binary PGM/PPM (P5/P6): magic, width, height, maxval (whitespace and # comments between),
// one whitespace byte, then the raster, samples of 1 byte (maxval <= 255) or 2 bytes big endian.
// Decoded here rather than by stb_image 2.27, which neither scales by maxval nor swaps 16-bit
// samples, and zero-fills a short raster.
Image decode_pnm(std::span<const std::uint8_t> b, const std::string& source) {
  std::size_t pos = 2;
  const auto skip = [&] {
    while (pos < b.size()) {
      if (b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n') ++pos;
      } else if (std::isspace(b[pos])) {
        ++pos;
      } else {
        break;
      }
    }
  };
  std::uint64_t field[3] = {0, 0, 0};
  for (auto& v : field) {
    skip();
    const std::size_t start = pos;
    while (pos < b.size() && std::isdigit(b[pos]) && v < (1u << 30)) v = v * 10 + (b[pos++] - '0');
    require<FormatError>(pos > start, op(source), "truncated or corrupt PPM/PGM header");
  }
  const auto [width, height, maxval] = field;
  require<FormatError>(maxval >= 1 && maxval <= 65535, op(source), "PPM/PGM maxval ", maxval,
                       " is outside [1, 65535]");
  require<FormatError>(pos < b.size() && std::isspace(b[pos]), op(source),
                       "truncated or corrupt PPM/PGM header");
  ++pos;
  require<FormatError>(
      width >= 1 && height >= 1 && width <= kMaxImageSide && height <= kMaxImageSide, op(source),
      "size ", width, "x", height, " is outside [1, ", kMaxImageSide, "] per side");
  const std::size_t channels = b[1] == '6' ? 3 : 1;
  const std::size_t bytes = maxval > 255 ? 2 : 1;
  const std::size_t plane = width * height;
  const std::size_t need = plane * channels * bytes;
  require<FormatError>(b.size() - pos >= need, op(source), "truncated: the ", width, "x", height,
                       " raster needs ", need, " bytes, the file has ", b.size() - pos,
                       " after its header");
  Image img;
  img.width = static_cast<int>(width);
  img.height = static_cast<int>(height);
  img.chw.resize(3 * plane);
  const std::uint8_t* raster = b.data() + pos;
  for (std::size_t i = 0; i < plane; ++i) {
    for (std::size_t c = 0; c < 3; ++c) {
      const std::size_t k = (i * channels + (channels == 3 ? c : 0)) * bytes;
      const unsigned v = bytes == 2 ? (raster[k] << 8) | raster[k + 1] : raster[k];
      require<FormatError>(v <= maxval, op(source), "sample ", v, " exceeds maxval ", maxval);
      img.chw[c * plane + i] =
          static_cast<float>(static_cast<double>(v) / static_cast<double>(maxval));
    }
  }
  return img;
}

template <typename T>
T load_le(std::span<const std::uint8_t> b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}

// Uncompressed (BI_RGB, BI_BITFIELDS) rasters must fit between the pixel offset and the end.
void check_bmp(std::span<const std::uint8_t> b, const std::string& source) {
  require<FormatError>(b.size() >= 26, op(source), "truncated BMP header (", b.size(), " bytes)");
  const std::uint32_t offset = load_le<std::uint32_t>(b, 10);
  const std::uint32_t dib = load_le<std::uint32_t>(b, 14);
  std::int64_t width = 0, height = 0;
  std::uint32_t bits = 0, compression = 0;
  if (dib == 12) {
    width = load_le<std::uint16_t>(b, 18);
    height = load_le<std::uint16_t>(b, 20);
    bits = load_le<std::uint16_t>(b, 24);
  } else {
    require<FormatError>(b.size() >= 34, op(source), "truncated BMP header (", b.size(), " bytes)");
    width = load_le<std::int32_t>(b, 18);
    height = load_le<std::int32_t>(b, 22);
    bits = load_le<std::uint16_t>(b, 28);
    compression = load_le<std::uint32_t>(b, 30);
  }
  if (compression != 0 && compression != 3) return;  // stb reports what it does not support
  height = height < 0 ? -height : height;
  require<FormatError>(width > 0 && width <= kMaxImageSide && height > 0 && height <= kMaxImageSide,
                       op(source), "BMP size ", width, "x", height, " is outside [1, ",
                       kMaxImageSide, "]");
  const std::uint64_t row = (static_cast<std::uint64_t>(bits) * width + 31) / 32 * 4;
  const std::uint64_t need = offset + row * static_cast<std::uint64_t>(height);
  require<FormatError>(need <= b.size(), op(source), "truncated: the ", width, "x", height,
                       " raster ends at byte ", need, ", the file has ", b.size());
}

// After the last start-of-scan marker (FF DA) there must be an end-of-image marker (FF D9);
// entropy-coded data cannot contain either (FF is stuffed as FF 00).
void check_jpeg(std::span<const std::uint8_t> b, const std::string& source) {
  std::size_t last_sos = b.size();
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i] == 0xff && b[i + 1] == 0xda) last_sos = i;
  }
  require<FormatError>(last_sos < b.size(), op(source), "truncated or corrupt JPEG: no image data");
  for (std::size_t i = last_sos + 2; i + 1 < b.size(); ++i) {
    if (b[i] == 0xff && b[i + 1] == 0xd9) return;
  }
  fail<FormatError>(op(source), "truncated JPEG: no end-of-image marker after the image data");
}

// stb stops at the IEND chunk type without reading its CRC: require the whole chunk.
void check_png(std::span<const std::uint8_t> b, const std::string& source) {
  static constexpr std::uint8_t iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  require<FormatError>(std::search(b.begin() + 8, b.end(), iend, iend + 12) != b.end(), op(source),
                       "truncated PNG: no complete IEND chunk");
}

struct StbFree {
  void operator()(void* p) const { stbi_image_free(p); }
};

// stb's 8- or 16-bit interleaved RGB into CHW floats.
template <typename T>
Image to_chw(const T* rgb, int width, int height, float max_value) {
  Image img;
  img.height = height;
  img.width = width;
  const std::size_t plane = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  img.chw.resize(3 * plane);
  for (std::size_t i = 0; i < plane; ++i) {
    for (std::size_t c = 0; c < 3; ++c)
      img.chw[c * plane + i] = static_cast<float>(rgb[3 * i + c]) / max_value;
  }
  return img;
}

}  // namespace

Image decode_image(std::span<const std::uint8_t> bytes, const std::string& source) {
  const Format format = detect(bytes, source);
  require<FormatError>(bytes.size() <= kMaxImageFileBytes, op(source), "the file has ",
                       bytes.size(), " bytes, more than the ", kMaxImageFileBytes, " accepted");
  if (format == Format::pnm) return decode_pnm(bytes, source);
  if (format == Format::png) check_png(bytes, source);
  if (format == Format::bmp) check_bmp(bytes, source);
  if (format == Format::jpeg) check_jpeg(bytes, source);
  const auto* data = bytes.data();
  const int len = static_cast<int>(bytes.size());
  int width = 0, height = 0, comp = 0;
  if (stbi_info_from_memory(data, len, &width, &height, &comp) == 0) {
    fail<FormatError>(op(source), "corrupt or unsupported ", format_name(format),
                      " (stb_image: ", stbi_failure_reason(), ")");
  }
  require<FormatError>(
      width >= 1 && height >= 1 && width <= kMaxImageSide && height <= kMaxImageSide, op(source),
      "size ", width, "x", height, " is outside [1, ", kMaxImageSide, "] per side");
  Image img;
  if (stbi_is_16_bit_from_memory(data, len)) {
    std::unique_ptr<stbi_us, StbFree> px(
        stbi_load_16_from_memory(data, len, &width, &height, &comp, 3));
    if (!px) {
      fail<FormatError>(op(source), "corrupt ", format_name(format),
                        " (stb_image: ", stbi_failure_reason(), ")");
    }
    img = to_chw(px.get(), width, height, 65535.0f);
  } else {
    std::unique_ptr<stbi_uc, StbFree> px(
        stbi_load_from_memory(data, len, &width, &height, &comp, 3));
    if (!px) {
      fail<FormatError>(op(source), "corrupt ", format_name(format),
                        " (stb_image: ", stbi_failure_reason(), ")");
    }
    img = to_chw(px.get(), width, height, 255.0f);
  }
  return img;
}

Image read_image(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail<FormatError>(op(path), std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const std::size_t k = std::fread(buf, 1, sizeof buf, f.get());
    bytes.insert(bytes.end(), buf, buf + k);
    require<FormatError>(bytes.size() <= kMaxImageFileBytes, op(path), "the file is larger than ",
                         kMaxImageFileBytes, " bytes");
    if (k < sizeof buf) break;
  }
  if (std::ferror(f.get())) fail<FormatError>(op(path), std::strerror(errno));
  return decode_image(bytes, path);
}

Image resize_image(const Image& image, ImageSize size) {
  const std::string what = "resize image";
  require(size.height >= 1 && size.width >= 1 && size.height <= kMaxImageSide &&
              size.width <= kMaxImageSide,
          what, "target size ", size.width, "x", size.height, " is outside [1, ", kMaxImageSide,
          "] per side");
  const std::size_t plane =
      static_cast<std::size_t>(image.height) * static_cast<std::size_t>(image.width);
  require(
      image.channels == 3 && image.height >= 1 && image.width >= 1 && image.chw.size() == 3 * plane,
      what, "the image has ", image.chw.size(), " values for ", image.channels, "x", image.height,
      "x", image.width);
  if (size.height == image.height && size.width == image.width) return image;
  // stb works on interleaved pixels.
  std::vector<float> in(3 * plane);
  for (std::size_t i = 0; i < plane; ++i) {
    for (std::size_t c = 0; c < 3; ++c) in[3 * i + c] = image.chw[c * plane + i];
  }
  const std::size_t out_plane =
      static_cast<std::size_t>(size.height) * static_cast<std::size_t>(size.width);
  std::vector<float> out(3 * out_plane);
  const bool grows = size.height > image.height || size.width > image.width;
  const int ok = stbir_resize_float_generic(
      in.data(), image.width, image.height, 0, out.data(), size.width, size.height, 0, 3,
      STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
      grows ? STBIR_FILTER_TRIANGLE : STBIR_FILTER_BOX, STBIR_COLORSPACE_LINEAR, nullptr);
  require<Error>(ok == 1, what, "stb_image_resize failed");
  Image r;
  r.height = size.height;
  r.width = size.width;
  r.chw.resize(3 * out_plane);
  for (std::size_t i = 0; i < out_plane; ++i) {
    for (std::size_t c = 0; c < 3; ++c)
      r.chw[c * out_plane + i] = std::clamp(out[3 * i + c], 0.0f, 1.0f);
  }
  return r;
}

Image crop_to_aspect(const Image& image, ImageSize aspect) {
  require(aspect.height >= 1 && aspect.width >= 1, "crop image", "aspect ", aspect.width, "x",
          aspect.height, " is not positive");
  // Keep the full width or the full height, whichever bounds the target ratio.
  const long wh = static_cast<long>(image.width) * aspect.height;
  const long hw = static_cast<long>(image.height) * aspect.width;
  int width = image.width, height = image.height;
  if (wh > hw) width = static_cast<int>(std::max(1L, hw / aspect.height));
  if (hw > wh) height = static_cast<int>(std::max(1L, wh / aspect.width));
  if (width == image.width && height == image.height) return image;
  const int x0 = (image.width - width) / 2, y0 = (image.height - height) / 2;
  Image out{image.channels, height, width, {}};
  out.chw.reserve(static_cast<std::size_t>(image.channels) * static_cast<std::size_t>(height) *
                  static_cast<std::size_t>(width));
  for (int c = 0; c < image.channels; ++c) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) out.chw.push_back(image.at(c, y0 + y, x0 + x));
    }
  }
  return out;
}

}  // namespace fhecnn::io
