// Writing small image files from tests: binary PPM by hand (no library), so tests can make inputs
// for io::read_image and the command line without stb_image_write.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace fhecnn::testing {

// The bytes of a binary PPM (P6, maxval 255) of width x height RGB pixels, row-major,
// interleaved R, G, B.
inline std::vector<std::uint8_t> ppm_bytes(int width, int height,
                                           const std::vector<std::uint8_t>& rgb) {
  const std::string header = "P6\n# fhecnn test image\n" + std::to_string(width) + " " +
                             std::to_string(height) + "\n255\n";
  std::vector<std::uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), rgb.begin(), rgb.end());
  return out;
}

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A deterministic RGB test pattern: pixel (y, x) channel c = (37 c + 11 y + 5 x + seed) mod 256.
inline std::vector<std::uint8_t> pattern_rgb(int width, int height, int seed = 0) {
  std::vector<std::uint8_t> rgb;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        rgb.push_back(static_cast<std::uint8_t>((37 * c + 11 * y + 5 * x + seed) % 256));
  return rgb;
}

}  // namespace fhecnn::testing
