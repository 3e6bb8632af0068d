#include "circuits/coeff_file.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

CompositeSign small_sign() {
  SignDesignOptions o;
  o.grid_points = 1 << 12;
  return composite_sign({5, 7}, 0.05, o);
}

template <typename F>
void expect_format_error(F&& f, const std::string& text) {
  try {
    f();
    FAIL() << "no exception, expected '" << text << "'";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(CoeffFile, SignRoundTripIsExact) {
  const CompositeSign s = small_sign();
  std::stringstream io;
  write_minimax(io, to_minimax_file(s, {{"alpha", "5"}, {"note", "two words"}}));
  const MinimaxFile f = read_minimax(io);
  EXPECT_EQ(f.kind, "app_relu_sign");
  EXPECT_EQ(f.param("note"), "two words");
  EXPECT_EQ(f.param_int("alpha"), 5);
  const CompositeSign back = composite_sign_from_file(f);
  EXPECT_EQ(back.eps, s.eps);
  ASSERT_EQ(back.stages.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.stages[i].poly.coeffs, s.stages[i].poly.coeffs);
    EXPECT_EQ(back.stages[i].input_bound, s.stages[i].input_bound);
    EXPECT_EQ(back.stages[i].error, s.stages[i].error);
  }
}

TEST(CoeffFile, RejectsWrongMagicVersionAndContent) {
  std::stringstream io;
  write_minimax(io, to_minimax_file(small_sign(), {}));
  const std::string good = io.str();
  auto read = [](const std::string& text) {
    std::istringstream in(text);
    return read_minimax(in);
  };
  expect_format_error([&] { read("fhecnn-maximin 1\n" + good.substr(good.find('\n') + 1)); },
                      "bad magic");
  expect_format_error([&] { read("fhecnn-minimax 2\n" + good.substr(good.find('\n') + 1)); },
                      "unsupported version '2'");
  expect_format_error([&] { read(good.substr(0, good.size() / 2)); }, "unexpected end of file");
  std::string bad_number = good;
  bad_number.replace(bad_number.find("max_error ") + 10, 1, "x");
  expect_format_error([&] { read(bad_number); }, "is not a number");
  const MinimaxFile f = read(good);
  expect_format_error([&] { (void)f.param("alpha"); }, "missing param 'alpha'");
  expect_format_error([&] { evalmod_from_file(f); }, "kind is 'app_relu_sign'");
  expect_format_error([&] { load_minimax("/nonexistent/file.txt"); }, "cannot open");
}

}  // namespace
}  // namespace fhecnn::circuits
