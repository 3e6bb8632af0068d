// Errors: one policy for the whole library (ARCHITECTURE.md §4 rule 4).
// Every failure is an exception whose message reads "cannot <operation>: <reason with values>".
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace fhecnn {

// Base of every exception fhecnn throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A caller broke a precondition: mismatched parameters, levels, scales, slot counts, missing keys.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// Serialized input is malformed, truncated, corrupted or from other parameters.
class FormatError : public Error {
 public:
  using Error::Error;
};

// Concatenates anything printable with operator<<.
template <typename... Args>
std::string str_cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

// Throws E with "cannot <what>: <why...>".
template <typename E = InvalidArgument, typename... Args>
[[noreturn]] void fail(const std::string& what, Args&&... why) {
  throw E("cannot " + what + ": " + str_cat(std::forward<Args>(why)...));
}

// Throws E with "cannot <what>: <why...>" unless cond holds.
template <typename E = InvalidArgument, typename... Args>
void require(bool cond, const std::string& what, Args&&... why) {
  if (!cond) fail<E>(what, std::forward<Args>(why)...);
}

}  // namespace fhecnn
