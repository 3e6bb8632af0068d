// The client/server command line end to end, in-process (tool::run_command_line parses the same
// flags as the binary and throws instead of exiting): keygen -> encrypt -> infer -> decrypt on a
// tiny ONNX ResNet (3x8x8 input, conv -> relu -> residual block with a stride-2 conv and the
// option-A shortcut -> relu -> global average pool -> flatten -> Gemm) at the insecure
// N = 2^12 preset with boot_n16's chain, one sparse bootstrap per inference. The decrypted logits
// must match the slot simulator's within 1e-3 (logit range + 1) with the same argmax (the bound of
// tests/nn/ckks_nn_backend_test.cpp), and every bad input must be refused before the long work,
// with a message naming it. `eval --mode encrypted` resumes from its checkpoint (the other modes:
// eval_checkpoint_test.cpp).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "ckks/presets.hpp"
#include "commands.hpp"
#include "common/error.hpp"
#include "deploy.hpp"
#include "io/bundle.hpp"
#include "io/serialize.hpp"
#include "nn/evaluate.hpp"
#include "rlwe/keygen.hpp"
#include "setup.hpp"
#include "testing/image_files.hpp"
#include "testing/onnx_builder.hpp"
#include "tools/cifar_fixtures.hpp"

namespace fhecnn::tool {
namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;
using testdata::error_of;

const std::string kPreset = "insecure_boot_n12";
const std::string kBound = "6";  // B: every ReLU input of the tiny model / B stays in [-1, 1]

std::string repo_file(const std::string& rel) {
  return (fs::path(__FILE__).parent_path().parent_path().parent_path() / rel).string();
}

std::vector<float> uniform(std::size_t n, std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(d(rng));
  return v;
}

// x[1,3,8,8] -> Conv 3->4 (bias) -> Relu -> { Conv 4->8 stride 2 ; Slice ::2 + Pad 2+2 channels }
// -> Add -> Relu -> GlobalAveragePool -> Flatten -> Gemm (transB) -> y[1,3].
onnx::ModelProto tiny_resnet(std::uint64_t seed) {
  using namespace fhecnn::testing;
  std::mt19937_64 rng(seed);
  onnx::ModelProto model = empty_model({1, 3, 8, 8}, {1, 3});
  auto* g = model.mutable_graph();
  fill_floats(g->add_initializer(), "w1", {4, 3, 3, 3}, uniform(108, rng, -0.25, 0.25));
  fill_floats(g->add_initializer(), "b1", {4}, uniform(4, rng, -0.1, 0.1));
  auto* c1 = add_node(g, "Conv", "/conv1/Conv", {"x", "w1", "b1"}, "c1");
  add_ints_attribute(c1, "pads", {1, 1, 1, 1});
  add_node(g, "Relu", "/relu/Relu", {"c1"}, "r1");
  fill_floats(g->add_initializer(), "w2", {8, 4, 3, 3}, uniform(288, rng, -0.25, 0.25));
  auto* c2 = add_node(g, "Conv", "/layer1/conv1/Conv", {"r1", "w2"}, "c2");
  add_ints_attribute(c2, "pads", {1, 1, 1, 1});
  add_ints_attribute(c2, "strides", {2, 2});
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  add_int64_constant(g, "starts", {0, 0});
  add_int64_constant(g, "ends", {max, max});
  add_int64_constant(g, "axes", {2, 3});
  add_int64_constant(g, "steps", {2, 2});
  add_node(g, "Slice", "/layer1/shortcut/Slice", {"r1", "starts", "ends", "axes", "steps"}, "s");
  add_int64_constant(g, "pads", {0, 2, 0, 0, 0, 2, 0, 0});
  add_node(g, "Pad", "/layer1/shortcut/Pad", {"s", "pads"}, "p");
  add_node(g, "Add", "/layer1/Add", {"c2", "p"}, "a");
  add_node(g, "Relu", "/layer1/relu2/Relu", {"a"}, "r2");
  add_node(g, "GlobalAveragePool", "/pool/GlobalAveragePool", {"r2"}, "gap");
  auto* flat = add_node(g, "Flatten", "/flatten/Flatten", {"gap"}, "f");
  add_int_attribute(flat, "axis", 1);
  fill_floats(g->add_initializer(), "wl", {3, 8}, uniform(24, rng, -1.0, 1.0));
  fill_floats(g->add_initializer(), "bl", {3}, uniform(3, rng, -0.5, 0.5));
  auto* gemm = add_node(g, "Gemm", "/linear/Gemm", {"f", "wl", "bl"}, "y");
  add_int_attribute(gemm, "transB", 1);
  return model;
}

void expect_error(const Args& args, const std::string& needle) {
  const std::string e = error_of(args);
  EXPECT_NE(e.find(needle), std::string::npos)
      << "error: '" << e << "', expected '" << needle << "'";
}

Args concat(Args a, const Args& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// One model, one key set and one encrypted inference shared by every test of the suite.
class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        new fs::path(fs::temp_directory_path() / ("fhecnn_cli_test_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    std::ofstream(path("tiny.onnx"), std::ios::binary) << tiny_resnet(11).SerializeAsString();
    testing::write_bytes(path("image.ppm"),
                         testing::ppm_bytes(8, 8, testing::pattern_rgb(8, 8, 3)));
    testing::write_bytes(path("big.ppm"),
                         testing::ppm_bytes(16, 16, testing::pattern_rgb(16, 16, 3)));
    const auto t = std::chrono::steady_clock::now();
    run_command_line(concat({"keygen"}, net({"--out", path("keys")})));
    std::cout << "[ keygen   ] " << seconds_since(t) << " s\n";
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  // The network options every command of the suite gets, then `more`.
  static Args net(const Args& more = {}, const std::string& bound = kBound) {
    return concat(
        {"--model", path("tiny.onnx"), "--preset", kPreset, "--allow-insecure", "--relu-bound",
         bound, "--relu-coeffs", repo_file("data/minimax/relu_alpha13.txt")},
        more);
  }
  // Encrypts image.ppm to `ct` and runs the server on it (once per name).
  static void encrypt_and_infer(const std::string& ct, const std::string& result) {
    if (fs::exists(path(result))) return;
    run_command_line(concat({"encrypt"}, net({"--keys", path("keys"), "--image", path("image.ppm"),
                                              "--out", path(ct)})));
    const auto t = std::chrono::steady_clock::now();
    run_command_line(concat({"infer"}, net({"--eval-keys", path("keys/eval.keys"), "--in", path(ct),
                                            "--out", path(result), "--json", path("infer.json")})));
    std::cout << "[ infer    ] " << seconds_since(t) << " s\n";
  }
  // The slot simulator's logits for image.ppm (same plan as the commands).
  static std::vector<double> simulated_logits() {
    NetworkOptions o;
    o.model = path("tiny.onnx");
    o.preset = kPreset;
    o.allow_insecure = true;
    o.relu_bound = std::stod(kBound);
    o.relu_coeffs = repo_file("data/minimax/relu_alpha13.txt");
    const LoadedNetwork loaded = load_network(o);
    InputOptions in;
    in.image = path("image.ppm");
    return nn::simulate_packed(*loaded.net, load_input(in, *loaded.net).tensor).logits;
  }
  static fs::path* dir_;
};
fs::path* CliTest::dir_ = nullptr;

void expect_close(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  const auto [lo, hi] = std::minmax_element(want.begin(), want.end());
  double diff = 0.0;
  for (std::size_t k = 0; k < got.size(); ++k) diff = std::max(diff, std::abs(got[k] - want[k]));
  std::cout << "[ logits   ] max |encrypted - simulated| = " << diff << " (range " << *hi - *lo
            << ")\n";
  EXPECT_LE(diff, 1e-3 * (*hi - *lo + 1.0));
  EXPECT_EQ(nn::argmax(got), nn::argmax(want));
}

// ---------------------------------------------------------------- the flow

TEST_F(CliTest, KeygenWritesTheKeyDirectory) {
  struct stat st {};
  ASSERT_EQ(::stat(path("keys/secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(fs::exists(path("keys/public.key")));
  const io::BundleHeader h = io::peek_evaluation_bundle(path("keys/eval.keys"));
  EXPECT_GT(h.file_bytes, 1000000u);
  EXPECT_FALSE(fs::exists(path("keys/eval.keys.tmp")));
  // The bundle holds no secret: its type is the evaluation bundle, and keygen refuses to replace
  // the key set unless told to.
  expect_error(concat({"keygen"}, net({"--out", path("keys")})), "keys/secret.key exists");
}

TEST_F(CliTest, EncryptInferDecryptMatchesTheSimulator) {
  encrypt_and_infer("ct.bin", "result.bin");
  run_command_line(concat({"decrypt"}, net({"--keys", path("keys"), "--in", path("result.bin"),
                                            "--top", "3", "--json", path("decrypt.json")})));
  nlohmann::json out;
  std::ifstream(path("decrypt.json")) >> out;
  expect_close(out["logits"].get<std::vector<double>>(), simulated_logits());
  nlohmann::json report;
  std::ifstream(path("infer.json")) >> report;
  EXPECT_EQ(report["bootstraps"].get<int>(), 1);
  EXPECT_EQ(report["layers"].size(), 9u);  // conv relu conv shortcut add relu pool flatten linear
  EXPECT_GT(report["peak_rss_bytes"].get<double>(), 0.0);
}

TEST_F(CliTest, PublicKeyEncryptionIsAValidInput) {
  run_command_line(concat({"encrypt"}, net({"--keys", path("keys"), "--image", path("image.ppm"),
                                            "--out", path("ct_pk.bin"), "--public-key"})));
  const auto params = rlwe::Params::create(ckks::presets::by_name(kPreset));
  const rlwe::Ciphertext ct = io::load_ciphertext(path("ct_pk.bin"), *params);
  const rlwe::Ciphertext sk_ct = [&] {
    run_command_line(concat({"encrypt"}, net({"--keys", path("keys"), "--image", path("image.ppm"),
                                              "--out", path("ct_sk.bin")})));
    return io::load_ciphertext(path("ct_sk.bin"), *params);
  }();
  EXPECT_EQ(ct.slots, sk_ct.slots);
  EXPECT_EQ(ct.level(), sk_ct.level());
  EXPECT_EQ(ct.scale.value, sk_ct.scale.value);
  // Both decrypt to the same packed image (up to encryption noise).
  const rlwe::SecretKey sk = io::load_secret_key(path("keys/secret.key"), *params);
  const ckks::Encoder enc(params);
  const rlwe::Decryptor dec(params, sk);
  const auto a = enc.decode(dec.decrypt(ct));
  const auto b = enc.decode(dec.decrypt(sk_ct));
  double diff = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(a[i] - b[i]));
  EXPECT_LT(diff, 1e-6);
}

// ---------------------------------------------------------------- refused before the long work

TEST_F(CliTest, InferRefusesKeysOfAnotherPlan) {
  encrypt_and_infer("ct.bin", "result.bin");
  // Another B is another plan: same model and preset, other AppReLU scaling and key levels.
  expect_error(concat({"infer"}, net({"--eval-keys", path("keys/eval.keys"), "--in", path("ct.bin"),
                                      "--out", path("x.bin")},
                                     "7")),
               "they were generated for another plan");
  expect_error(concat({"decrypt"}, net({"--keys", path("keys"), "--in", path("result.bin")}, "7")),
               "they were generated for another plan");
  // A corrupted bundle is found by its checksum.
  fs::copy_file(path("keys/eval.keys"), path("flipped.keys"));
  {
    std::fstream f(path("flipped.keys"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x5a');
  }
  expect_error(concat({"infer"}, net({"--eval-keys", path("flipped.keys"), "--in", path("ct.bin"),
                                      "--out", path("x.bin")})),
               "checksum mismatch");
  EXPECT_FALSE(fs::exists(path("x.bin")));
}

TEST_F(CliTest, InferRefusesBadCiphertexts) {
  encrypt_and_infer("ct.bin", "result.bin");
  const auto infer = [&](const std::string& ct) {
    return concat({"infer"},
                  net({"--eval-keys", path("keys/eval.keys"), "--in", ct, "--out", path("x.bin")}));
  };
  // Truncated.
  const io::Bytes bytes = io::read_file(path("ct.bin"));
  io::write_file(path("short.bin"), std::span(bytes).first(bytes.size() / 2));
  expect_error(infer(path("short.bin")),
               "cannot read ciphertext from " + path("short.bin") + ": truncated");
  // Not a ciphertext at all, and a ciphertext of other parameters.
  expect_error(infer(path("image.ppm")), "bad magic");
  const auto other = rlwe::Params::create(ckks::presets::insecure_test(10, 2, 1));
  rlwe::KeyGenerator kg(other);
  const rlwe::SecretKey sk = kg.gen_secret_key();
  const ckks::Encoder enc(other);
  io::save_ciphertext(path("other.bin"),
                      rlwe::Encryptor(other, sk).encrypt(enc.encode(
                          std::vector<double>{1.0}, other->max_level(), other->default_scale(), 1)),
                      *other);
  expect_error(infer(path("other.bin")), "the file was made with other parameters");
  // The server's own output is not an input (level 0, logit scale), nor an input a result.
  expect_error(infer(path("result.bin")), "the network takes its input at level 19 or above");
  expect_error(concat({"decrypt"}, net({"--keys", path("keys"), "--in", path("ct.bin")})),
               "a result of this network is below level 19 (an encrypted input?)");
  EXPECT_FALSE(fs::exists(path("x.bin")));
}

TEST_F(CliTest, EncryptRefusesBadImages) {
  const Args base = {"--keys", path("keys"), "--out", path("x.bin")};
  expect_error(concat({"encrypt"}, net(concat(base, {"--image", path("big.ppm")}))),
               "it is 16x16 pixels, the model takes 8x8 (width x height); pass --resize");
  EXPECT_EQ(
      error_of(concat({"encrypt"}, net(concat(base, {"--image", path("big.ppm"), "--resize"})))),
      "");
  std::ofstream(path("notes.txt")) << "not an image\n";
  expect_error(
      concat({"encrypt"}, net(concat(base, {"--image", path("notes.txt")}))),
      "cannot read image " + path("notes.txt") + ": not a PNG, JPEG, BMP or binary PPM/PGM");
  const io::Bytes ppm = io::read_file(path("image.ppm"));
  io::write_file(path("cut.ppm"), std::span(ppm).first(ppm.size() - 7));
  expect_error(concat({"encrypt"}, net(concat(base, {"--image", path("cut.ppm")}))), "truncated");
  expect_error(concat({"encrypt"}, net(concat(base, {"--image", path("none.png")}))),
               "No such file or directory");
  expect_error(concat({"encrypt"}, net(base)), "give --image FILE or --cifar DIR --index I");
  expect_error(concat({"encrypt"}, net(concat(base, {"--cifar", path("")}))),
               "--cifar needs --index");
}

TEST_F(CliTest, InsecurePresetsNeedTheFlag) {
  expect_error({"keygen", "--model", path("tiny.onnx"), "--preset", kPreset, "--out", path("k2")},
               "cannot use preset 'insecure_boot_n12': it is NOT 128-bit secure");
  EXPECT_FALSE(fs::exists(path("k2")));
  expect_error({"infer", "--model", path("tiny.onnx"), "--preset", kPreset, "--eval-keys",
                path("keys/eval.keys"), "--in", path("ct.bin"), "--out", path("x.bin")},
               "NOT 128-bit secure");
  expect_error({"eval", "--model", path("tiny.onnx"), "--preset", kPreset, "--allow-insecure",
                "--data", dir_->string(), "--mode", "encrypted"},
               "--mode encrypted needs --count N");
}

TEST_F(CliTest, RunDoesEverythingInOneProcess) {
  const auto t = std::chrono::steady_clock::now();
  run_command_line(
      concat({"run"}, net({"--image", path("image.ppm"), "--json", path("run.json"), "--quiet"})));
  std::cout << "[ run      ] " << seconds_since(t) << " s\n";
  nlohmann::json r;
  std::ifstream(path("run.json")) >> r;
  expect_close(r["logits"].get<std::vector<double>>(), simulated_logits());
  EXPECT_EQ(r["bootstraps"].get<int>(), 1);
  EXPECT_LT(r["max_logit_diff_simulated"].get<double>(), 1e-3);
  EXPECT_GT(r["key_bytes"].get<double>(), 1e6);
  EXPECT_TRUE(r["seconds_by_phase"].contains("keygen"));
}

TEST_F(CliTest, EvalEncryptedReportsAgreementAndLatencyAndResumes) {
  std::ofstream(path("cifar.onnx"), std::ios::binary)
      << testdata::tiny_cifar_net(5).SerializeAsString();
  fs::create_directories(path("cifar"));
  testdata::write_cifar_batch(path("cifar/test_batch.bin"), 2);
  const auto t = std::chrono::steady_clock::now();
  const Args eval = {"eval", "--model", path("cifar.onnx"), "--preset", "insecure_boot_n13",
                    "--allow-insecure", "--relu-bound", "4", "--relu-coeffs",
                    repo_file("data/minimax/relu_alpha13.txt"), "--data", path("cifar"), "--count",
                    "2", "--mode", "encrypted", "--checkpoint", path("eval.ckpt")};
  run_command_line(concat(eval, {"--json", path("eval.json")}));
  std::cout << "[ eval     ] " << seconds_since(t) << " s\n";
  nlohmann::json r;
  std::ifstream(path("eval.json")) >> r;
  for (const char* key :
       {"model", "mode", "count", "accuracy", "agreement_with_float", "agreement_with_simulated",
        "max_logit_diff", "max_logit_diff_simulated", "latency_s", "latency_by_op", "bootstraps",
        "peak_rss_bytes", "key_bytes", "seconds"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(r["mode"], "encrypted");
  EXPECT_EQ(r["count"].get<int>(), 2);
  EXPECT_EQ(r["failures"].get<int>(), 0);
  EXPECT_EQ(r["agreement_with_simulated"].get<double>(), 1.0);
  EXPECT_LT(r["max_logit_diff_simulated"].get<double>(), 1e-3);
  EXPECT_EQ(r["latency_s"]["per_image"].size(), 2u);
  EXPECT_GT(r["latency_s"]["median"].get<double>(), 0.0);
  EXPECT_TRUE(r["latency_by_op"].contains("conv"));
  EXPECT_TRUE(r["latency_by_op"].contains("relu"));
  // Run again on the finished checkpoint: nothing is computed (no keys either), same report.
  run_command_line(concat(eval, {"--json", path("again.json")}));
  nlohmann::json again;
  std::ifstream(path("again.json")) >> again;
  EXPECT_EQ(again["resumed"].get<int>(), 2);
  EXPECT_EQ(again["key_bytes"].get<double>(), 0.0);
  for (const char* key : {"seconds", "resumed", "peak_rss_bytes", "key_bytes", "keygen_seconds"}) {
    r.erase(key);
    again.erase(key);
  }
  EXPECT_EQ(again, r);
  // Killed after the first image, in the middle of writing the second: fresh keys, one image run.
  std::vector<std::string> lines;
  {
    std::ifstream in(path("eval.ckpt"));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 3u);
  std::ofstream(path("eval.ckpt"), std::ios::trunc)
      << lines[0] << '\n' << lines[1] << '\n' << lines[2].substr(0, 40);
  run_command_line(concat(eval, {"--json", path("resumed.json")}));
  nlohmann::json resumed;
  std::ifstream(path("resumed.json")) >> resumed;
  EXPECT_EQ(resumed["resumed"].get<int>(), 1);
  EXPECT_EQ(resumed["count"].get<int>(), 2);
  EXPECT_GT(resumed["key_bytes"].get<double>(), 0.0);
  EXPECT_EQ(resumed["latency_s"]["per_image"][0], r["latency_s"]["per_image"][0]);
  EXPECT_EQ(resumed["agreement_with_simulated"].get<double>(), 1.0);
  std::ifstream in(path("eval.ckpt"));
  int records = 0;
  for (std::string line; std::getline(in, line); ++records) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  EXPECT_EQ(records, 3);  // header + 2 images
}

}  // namespace
}  // namespace fhecnn::tool
