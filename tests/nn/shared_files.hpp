// Locating the shared models and data (never committed): $FHECNN_SHARED, set by ctest, or
// ../shared next to the repository. Tests skip (GTEST_SKIP) when a file is absent.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace fhecnn::testing {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("FHECNN_SHARED"); env != nullptr && *env != '\0') return env;
  // This file is <repo>/tests/nn/shared_files.hpp.
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() /
         "shared";
}

inline std::filesystem::path shared_model(const std::string& name) {
  return shared_dir() / "models" / (name + ".onnx");
}

inline std::filesystem::path shared_test_batch() {
  return shared_dir() / "data" / "cifar10" / "test_batch.bin";
}

}  // namespace fhecnn::testing

// Skips the current test when `path` does not exist.
#define FHECNN_SKIP_IF_ABSENT(path)                                                          \
  do {                                                                                       \
    if (!std::filesystem::exists(path)) {                                                    \
      GTEST_SKIP() << "shared file " << (path).string() << " is absent (set FHECNN_SHARED)"; \
    }                                                                                        \
  } while (0)
