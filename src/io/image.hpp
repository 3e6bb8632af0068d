// Image files for the command line (PNG, JPEG, BMP, binary PPM/PGM) into float CHW RGB in [0, 1],
// the way CIFAR records are (cifar.hpp): normalise them with io::normalize_image.
//
// PNG, JPEG and BMP are decoded with Debian's stb_image 2.27, resizing uses stb_image_resize 0.97;
// binary PGM/PPM (P5/P6) is decoded here (stb 2.27 ignores maxval and byte-swaps 16-bit samples
// wrongly). Formats are recognised by their first bytes (PNG signature, JPEG SOI, "BM", "P5"/"P6");
// anything else is refused, so a text or random file is never guessed to be a TGA. Grayscale is
// expanded to RGB, alpha is dropped (not composited); samples are p / 255 for 8-bit PNG, JPEG and
// BMP, p / 65535 for 16-bit PNG, p / maxval for PGM/PPM. stb_image 2.27 silently zero-fills
// (BMP) or half-decodes (JPEG, PNG without its last chunk) a truncated file, so the BMP raster
// size, a JPEG end-of-image marker after the last scan and a complete PNG IEND chunk are checked
// first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fhecnn::io {

struct ImageSize {
  int height = 0;
  int width = 0;
};

// An RGB image, planes R, G, B, each `height` rows of `width` values, in [0, 1].
struct Image {
  int channels = 3;
  int height = 0;
  int width = 0;
  std::vector<float> chw;  // channels * height * width values

  ImageSize size() const { return {height, width}; }
  // Value of channel c at row y, column x. Precondition: in range.
  float at(int c, int y, int x) const {
    return chw[(static_cast<std::size_t>(c) * static_cast<std::size_t>(height) +
                static_cast<std::size_t>(y)) *
                   static_cast<std::size_t>(width) +
               static_cast<std::size_t>(x)];
  }
};

// Largest side accepted (larger files are refused before decoding, as likely corrupt).
inline constexpr int kMaxImageSide = 8192;

// Decodes an image file's bytes at their own size; `source` names it in errors.
// Throws FormatError "cannot read image <source>: <why>" for an unknown format (naming the formats
// read), a truncated or corrupt file (stb's reason), a side above kMaxImageSide or an empty image.
Image decode_image(std::span<const std::uint8_t> bytes, const std::string& source);

// Reads and decodes a file. Throws FormatError "cannot read image <path>: No such file or
// directory" (or the system's reason) and what decode_image throws.
Image read_image(const std::string& path);

// The image resampled to `size` (stb_image_resize, clamped edges, linear values): when no side
// grows, a box filter (area average: for integer factors each output pixel is exactly the mean of
// its block), otherwise a triangle filter (bilinear interpolation). Returns a copy when the size
// is already `size`. Throws InvalidArgument "cannot resize image: ..." for a side < 1 or above
// kMaxImageSide, or an image whose chw size does not match its fields.
Image resize_image(const Image& image, ImageSize size);

// The largest centred region of `image` with the aspect ratio of `aspect` (width : height), so
// that resizing it to `aspect` does not stretch the picture. Returns a copy when the ratio is
// already equal. Throws InvalidArgument for a non-positive aspect size.
Image crop_to_aspect(const Image& image, ImageSize aspect);

}  // namespace fhecnn::io
