// Encapsulation keys ('X') and the evaluation bundle ('B'): round trips in memory and through
// files (the streaming writer produces exactly the in-memory bytes), the loaded keys working,
// and rejection of every truncation, flipped byte, trailing byte, bad field, other parameters,
// and of files of another type (mirrors serialize_test.cpp).
#include "io/bundle.hpp"

#include <gtest/gtest.h>

#include "testing/expect_error.hpp"

#include "testing/key_compare.hpp"
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "ckks/modraise.hpp"
#include "common/error.hpp"
#include "rlwe/keygen.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::io {
namespace {

using testing::expect_error;

namespace fs = std::filesystem;
using testing::CkksEnv;

// N = 2^10, q = 50 + 3 x 40 bits, two special primes (encapsulation needs two).
rlwe::ParamsLiteral small_literal() { return ckks::presets::insecure_test(10, 3, 2); }


Bytes reseal(const Bytes& blob, ObjectType type, const std::function<void(Bytes&)>& edit) {
  const BlobInfo info = open_blob(blob, type, "test blob");
  Bytes payload(info.payload.begin(), info.payload.end());
  edit(payload);
  ByteWriter w = begin_blob(type, info.fingerprint);
  w.bytes(payload.data(), payload.size());
  return finish_blob(std::move(w));
}

template <typename T>
void put_at(Bytes& b, std::size_t offset, T v) {
  std::memcpy(b.data() + offset, &v, sizeof v);
}


void expect_equal_encapsulation(const rlwe::Params& params, const ckks::EncapsulationKeys& a,
                                const ckks::EncapsulationKeys& b) {
  EXPECT_EQ(a.hamming_weight, b.hamming_weight);
  ASSERT_NE(a.level0, nullptr);
  EXPECT_EQ(a.level0->fingerprint(), b.level0->fingerprint());
  testing::expect_equal_keys(*a.level0, a.to_sparse, b.to_sparse);
  testing::expect_equal_keys(params, a.to_dense, b.to_dense);
}

void expect_equal_eval(const rlwe::Params& params, const rlwe::EvaluationKeys& a,
                       const rlwe::EvaluationKeys& b) {
  ASSERT_EQ(a.has_relin_key(), b.has_relin_key());
  if (a.has_relin_key()) testing::expect_equal_keys(params, a.relin_key(), b.relin_key());
  ASSERT_EQ(a.galois_keys().size(), b.galois_keys().size());
  for (const auto& [g, k] : a.galois_keys()) {
    testing::expect_equal_keys(params, b.galois_key(GaloisElement{g}), k);
  }
}

constexpr std::uint64_t kPlan = 0x0123456789abcdefULL;

class BundleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new CkksEnv(small_literal(), {1, 2, -1});
    enc_ = new ckks::EncapsulationKeys(ckks::gen_encapsulation_keys(env_->params, env_->sk, 16));
    // The smallest useful bundle: one Galois key at level 0 (one digit, 3 limbs).
    one_ = new rlwe::EvaluationKeys;
    const GaloisElement g =
        env_->params->rotation_element(RotationStep{1}, env_->params->max_slots());
    one_->add_galois_key(g, rlwe::KeyGenerator(env_->params).gen_galois_key(env_->sk, g, Level{0}));
  }
  static void TearDownTestSuite() {
    delete one_;
    delete enc_;
    delete env_;
  }
  static CkksEnv* env_;
  static ckks::EncapsulationKeys* enc_;
  static rlwe::EvaluationKeys* one_;
  const rlwe::Params& params() const { return *env_->params; }

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fhecnn_bundle_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};
CkksEnv* BundleTest::env_ = nullptr;
ckks::EncapsulationKeys* BundleTest::enc_ = nullptr;
rlwe::EvaluationKeys* BundleTest::one_ = nullptr;

// ---------------------------------------------------------------- round trips

TEST_F(BundleTest, EncapsulationKeysRoundTripAndStillRaise) {
  for (bool seeded : {true, false}) {
    const Bytes blob = write_encapsulation_keys(*enc_, params(), {.seeded = seeded});
    const ckks::EncapsulationKeys back = read_encapsulation_keys(blob, params());
    expect_equal_encapsulation(params(), back, *enc_);
  }
  // The loaded keys raise a level-0 ciphertext exactly as the generated ones.
  auto ct = env_->encrypt(testing::random_real(8, 0.5, 3), 8);
  env_->eval->drop_to_level_inplace(ct, Level{0});
  const auto back = read_encapsulation_keys(write_encapsulation_keys(*enc_, params()), params());
  EXPECT_TRUE(ckks::encapsulated_mod_raise(env_->params, back, ct).parts ==
              ckks::encapsulated_mod_raise(env_->params, *enc_, ct).parts);

  save_encapsulation_keys(path("enc.keys"), *enc_, params());
  expect_equal_encapsulation(params(), load_encapsulation_keys(path("enc.keys"), params()), *enc_);
}

TEST_F(BundleTest, BundleRoundTripsWithAndWithoutEncapsulationKeys) {
  const Bytes full = write_evaluation_bundle(kPlan, env_->keys, enc_, params());
  const EvaluationBundle b = read_evaluation_bundle(full, params());
  EXPECT_EQ(b.plan_fingerprint, kPlan);
  expect_equal_eval(params(), b.eval, env_->keys);
  ASSERT_TRUE(b.encapsulation.has_value());
  expect_equal_encapsulation(params(), *b.encapsulation, *enc_);

  const EvaluationBundle plain = read_evaluation_bundle(
      write_evaluation_bundle(7, env_->keys, nullptr, params(), {.seeded = false}), params());
  EXPECT_EQ(plain.plan_fingerprint, 7u);
  EXPECT_FALSE(plain.encapsulation.has_value());
  expect_equal_eval(params(), plain.eval, env_->keys);

  const EvaluationBundle empty = read_evaluation_bundle(
      write_evaluation_bundle(0, rlwe::EvaluationKeys{}, nullptr, params()), params());
  EXPECT_FALSE(empty.eval.has_relin_key());
  EXPECT_TRUE(empty.eval.galois_keys().empty());
}

TEST_F(BundleTest, StreamedFileHasTheInMemoryBytesAndLoads) {
  for (const ckks::EncapsulationKeys* enc :
       {static_cast<const ckks::EncapsulationKeys*>(enc_),
        static_cast<const ckks::EncapsulationKeys*>(nullptr)}) {
    const Bytes memory = write_evaluation_bundle(kPlan, env_->keys, enc, params());
    std::vector<double> saved, loaded;
    save_evaluation_bundle(path("eval.keys"), kPlan, env_->keys, enc, params(), {},
                           [&](double f) { saved.push_back(f); });
    EXPECT_FALSE(fs::exists(path("eval.keys.tmp")));
    EXPECT_EQ(read_file(path("eval.keys")), memory);
    const EvaluationBundle b =
        load_evaluation_bundle(path("eval.keys"), params(), [&](double f) { loaded.push_back(f); });
    EXPECT_EQ(b.plan_fingerprint, kPlan);
    expect_equal_eval(params(), b.eval, env_->keys);
    EXPECT_EQ(b.encapsulation.has_value(), enc != nullptr);
    // Progress: one call per key (+ one for both encapsulation keys), increasing, ending at 1.
    const std::size_t keys = 1 + env_->keys.galois_keys().size();
    EXPECT_EQ(saved.size(), keys + (enc ? 1 : 0));
    EXPECT_EQ(loaded.size(), keys + (enc ? 1 : 0));
    EXPECT_TRUE(std::is_sorted(saved.begin(), saved.end()));
    EXPECT_TRUE(std::is_sorted(loaded.begin(), loaded.end()));
    EXPECT_DOUBLE_EQ(saved.back(), 1.0);
    EXPECT_LE(loaded.back(), 1.0);
    EXPECT_GT(loaded.back(), 0.99);

    const BundleHeader h = peek_evaluation_bundle(path("eval.keys"));
    EXPECT_EQ(h.plan_fingerprint, kPlan);
    EXPECT_EQ(h.params_fingerprint, params().fingerprint());
    EXPECT_EQ(h.file_bytes, memory.size());
  }
  // A bundle without Galois keys (the count is the last field written).
  rlwe::EvaluationKeys relin_only;
  relin_only.set_relin_key(env_->keys.relin_key());
  save_evaluation_bundle(path("relin.keys"), 1, relin_only, nullptr, params());
  EXPECT_EQ(read_file(path("relin.keys")),
            write_evaluation_bundle(1, relin_only, nullptr, params()));
  save_evaluation_bundle(path("none.keys"), 1, rlwe::EvaluationKeys{}, nullptr, params());
  EXPECT_TRUE(load_evaluation_bundle(path("none.keys"), params()).eval.galois_keys().empty());
}

// ---------------------------------------------------------------- rejection

TEST_F(BundleTest, EveryTruncationAndFlippedByteIsAFormatError) {
  const Bytes blob = write_evaluation_bundle(kPlan, *one_, nullptr, params());
  for (std::size_t len = 0; len < blob.size(); ++len) {
    try {
      read_evaluation_bundle(std::span(blob).first(len), params());
      ADD_FAILURE() << "prefix of " << len << " bytes was accepted";
    } catch (const FormatError&) {
    }
  }
  for (std::size_t i = 0; i < blob.size(); ++i) {
    Bytes bad = blob;
    bad[i] ^= 0x10;
    try {
      read_evaluation_bundle(bad, params());
      ADD_FAILURE() << "flip at byte " << i << " was accepted";
    } catch (const FormatError& e) {
      const std::string msg = e.what();
      if (i >= kHeaderBytes && i < blob.size()) {
        EXPECT_TRUE(msg.find("checksum mismatch") != std::string::npos) << i << ": " << msg;
      }
    }
  }
  // Encapsulation keys: a sample of positions (the blob is larger).
  const Bytes enc = write_encapsulation_keys(*enc_, params());
  for (std::size_t i = 0; i < enc.size(); i += 997) {
    Bytes bad = enc;
    bad[i] ^= 0x01;
    EXPECT_THROW(read_encapsulation_keys(bad, params()), FormatError) << i;
    EXPECT_THROW(read_encapsulation_keys(std::span(enc).first(i), params()), FormatError) << i;
  }
}

TEST_F(BundleTest, TrailingBytesAndBadFieldsAreRejected) {
  Bytes blob = write_evaluation_bundle(kPlan, *one_, nullptr, params());
  Bytes longer = blob;
  longer.push_back(0);
  expect_error([&] { read_evaluation_bundle(longer, params()); },
               "1 trailing bytes after the end of the data");
  const Bytes inner = reseal(blob, ObjectType::evaluation_bundle, [](Bytes& p) { p.push_back(0); });
  expect_error([&] { read_evaluation_bundle(inner, params()); },
               "1 bytes left over after the last field");
  // Payload: plan u64 at 0, encapsulation flag at 8, then the 'E' payload at 9.
  const Bytes flag = reseal(blob, ObjectType::evaluation_bundle, [](Bytes& p) { p[8] = 2; });
  expect_error([&] { read_evaluation_bundle(flag, params()); },
               "encapsulation flag is 2, expected 0 or 1");
  const Bytes even = reseal(blob, ObjectType::evaluation_bundle,
                            [](Bytes& p) { put_at<std::uint64_t>(p, 9 + 5, 4); });
  expect_error([&] { read_evaluation_bundle(even, params()); },
               "Galois element 4 is not an odd number");

  // Encapsulation payload: hamming weight i32 at 0, level-0 fingerprint u64 at 4.
  const Bytes enc = write_encapsulation_keys(*enc_, params());
  const Bytes h0 =
      reseal(enc, ObjectType::encapsulation_keys, [](Bytes& p) { put_at<std::int32_t>(p, 0, 0); });
  expect_error([&] { read_encapsulation_keys(h0, params()); },
               "cannot read encapsulation keys: hamming weight 0 is outside [1, N = 1024]");
  const Bytes h8 =
      reseal(enc, ObjectType::encapsulation_keys, [](Bytes& p) { put_at<std::int32_t>(p, 0, 8); });
  expect_error([&] { read_encapsulation_keys(h8, params()); }, "level-0 parameter fingerprint");
  const Bytes fp = reseal(enc, ObjectType::encapsulation_keys, [](Bytes& p) { p[4] ^= 1; });
  expect_error([&] { read_encapsulation_keys(fp, params()); },
               "does not match " + format_fingerprint(enc_->level0->fingerprint()));
}

TEST_F(BundleTest, OtherParametersAndOtherFileTypesAreNamed) {
  const auto other = rlwe::Params::create(ckks::presets::insecure_test(10, 4, 2));
  const Bytes blob = write_evaluation_bundle(kPlan, *one_, enc_, params());
  expect_error([&] { read_evaluation_bundle(blob, *other); },
               "does not match " + format_fingerprint(other->fingerprint()) +
                   ": the file was made with other parameters");
  expect_error([&] { read_encapsulation_keys(write_encapsulation_keys(*enc_, params()), *other); },
               "parameter fingerprint");
  // The writer refuses encapsulation keys of other parameters (here the level-0 set, q_0 p_0 p_1,
  // is the same, the to-dense key is not) or with a level-0 set of another hamming weight.
  const auto other_enc =
      ckks::gen_encapsulation_keys(other, rlwe::KeyGenerator(other).gen_secret_key(), 16);
  expect_error<InvalidArgument>(
      [&] { write_encapsulation_keys(other_enc, params()); },
      "cannot write encapsulation keys: to-dense key max level 4 is outside the chain [0, 3]");
  ckks::EncapsulationKeys relabelled = *enc_;
  relabelled.hamming_weight = 8;
  expect_error<InvalidArgument>([&] { write_encapsulation_keys(relabelled, params()); },
                                "level-0 parameters are not those of");
  expect_error([&] { read_evaluation_bundle(write_evaluation_keys(*one_, params()), params()); },
               "bad magic: this is an fhecnn evaluation keys file, expected evaluation bundle");
  expect_error([&] { read_evaluation_keys(blob, params()); },
               "this is an fhecnn evaluation bundle file, expected evaluation keys");
  EXPECT_EQ(inspect(blob).type, ObjectType::evaluation_bundle);
}

TEST_F(BundleTest, FileErrorsAreFoundBeforeLoading) {
  expect_error([&] { peek_evaluation_bundle(path("none.keys")); },
               "cannot read " + path("none.keys") + ": No such file or directory");
  expect_error([&] { load_evaluation_bundle(path("none.keys"), params()); },
               "No such file or directory");
  expect_error([&] { peek_evaluation_bundle(dir_.string()); }, "Is a directory");
  save_evaluation_bundle(path("eval.keys"), kPlan, *one_, nullptr, params());
  Bytes bytes = read_file(path("eval.keys"));
  write_file(path("short.keys"), std::span(bytes).first(bytes.size() - 100));
  expect_error([&] { peek_evaluation_bundle(path("short.keys")); },
               "cannot read evaluation bundle from " + path("short.keys") + ": truncated");
  expect_error([&] { load_evaluation_bundle(path("short.keys"), params()); }, "truncated");
  write_file(path("tiny.keys"), std::span(bytes).first(10));
  expect_error([&] { peek_evaluation_bundle(path("tiny.keys")); }, "truncated");
  write_file(path("empty.keys"), std::span(bytes).first(0));
  expect_error([&] { peek_evaluation_bundle(path("empty.keys")); }, "empty");
  expect_error([&] { load_evaluation_bundle(path("empty.keys"), params()); }, "empty");
  bytes.push_back(1);
  write_file(path("long.keys"), bytes);
  expect_error([&] { peek_evaluation_bundle(path("long.keys")); }, "1 trailing bytes");
  save_ciphertext(path("ct.bin"), env_->encrypt(testing::random_complex(4, 1, 1), 4), params());
  expect_error([&] { peek_evaluation_bundle(path("ct.bin")); },
               "cannot read evaluation bundle from " + path("ct.bin") +
                   ": bad magic: this is an fhecnn ciphertext file, expected evaluation bundle");
  expect_error([&] { load_evaluation_bundle(path("ct.bin"), params()); }, "bad magic");
  bytes.pop_back();
  bytes[5] = 9;  // version
  write_file(path("v9.keys"), bytes);
  expect_error([&] { peek_evaluation_bundle(path("v9.keys")); }, "unsupported format version 9");
  bytes[5] = static_cast<std::uint8_t>(kFormatVersion);
  bytes[bytes.size() - 40] ^= 4;  // payload: only the full load sees it
  write_file(path("flip.keys"), bytes);
  EXPECT_EQ(peek_evaluation_bundle(path("flip.keys")).plan_fingerprint, kPlan);
  expect_error([&] { load_evaluation_bundle(path("flip.keys"), params()); }, "checksum mismatch");
  expect_error(
      [&] { save_evaluation_bundle(path("missing/eval.keys"), kPlan, *one_, nullptr, params()); },
      "cannot write " + path("missing/eval.keys") + ": No such file or directory");
}

TEST_F(BundleTest, TheBundleCannotCarryTheSecretKey) {
  const Bytes sk = write_secret_key(env_->sk, params());
  const Bytes bundle =
      write_evaluation_bundle(kPlan, env_->keys, enc_, params(), {.seeded = false});
  for (std::size_t at = kHeaderBytes + 1; at + 64 < sk.size() - kChecksumBytes; at += 4096) {
    const auto it = std::search(bundle.begin(), bundle.end(), sk.begin() + static_cast<long>(at),
                                sk.begin() + static_cast<long>(at + 64));
    EXPECT_EQ(it, bundle.end()) << "secret-key bytes at " << at << " found in the bundle";
  }
}

}  // namespace
}  // namespace fhecnn::io
