// Byte-level writer and bounds-checked reader for the binary formats (little endian).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace fhecnn {

class ByteWriter {
 public:
  void u8(std::uint8_t v) { buf_.push_back(v); }
  void u32(std::uint32_t v) { put(&v, sizeof v); }
  void u64(std::uint64_t v) { put(&v, sizeof v); }
  void i32(std::int32_t v) { put(&v, sizeof v); }
  void f64(double v) { put(&v, sizeof v); }
  void bytes(const void* p, std::size_t n) { put(p, n); }
  void u64s(const std::uint64_t* p, std::size_t n) { put(p, n * sizeof(std::uint64_t)); }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    put(s.data(), s.size());
  }
  const std::vector<std::uint8_t>& data() const { return buf_; }
  std::vector<std::uint8_t> take() { return std::move(buf_); }

 private:
  void put(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  std::vector<std::uint8_t> buf_;
};

// Every read checks the remaining length; running short throws FormatError naming `what`.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size, std::string what)
      : p_(data), end_(data + size), what_(std::move(what)) {}

  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  std::int32_t i32() { return get<std::int32_t>(); }
  double f64() { return get<double>(); }
  void bytes(void* out, std::size_t n) {
    need(n);
    std::memcpy(out, p_, n);
    p_ += n;
  }
  void u64s(std::uint64_t* out, std::size_t n) { bytes(out, n * sizeof(std::uint64_t)); }
  std::string str(std::size_t max_len = 1 << 20) {
    std::uint32_t n = u32();
    require<FormatError>(n <= max_len, "read " + what_, "string length ", n, " exceeds ", max_len);
    std::string s(n, '\0');
    bytes(s.data(), n);
    return s;
  }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  const std::string& what() const { return what_; }

 private:
  template <typename T>
  T get() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  void need(std::size_t n) const {
    require<FormatError>(remaining() >= n, "read " + what_, "truncated: needs ", n,
                         " more bytes, only ", remaining(), " left");
  }
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::string what_;
};

}  // namespace fhecnn
