#include "io/serialize.hpp"

#include <gtest/gtest.h>

#include "testing/expect_error.hpp"

#include "testing/key_compare.hpp"
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <type_traits>

#include "common/error.hpp"
#include "ring/sampler.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::io {
namespace {

using testing::expect_error;

namespace fs = std::filesystem;
using testing::CkksEnv;
using testing::min_bits;

// N = 2^10, q = 50 + 3 x 40 bits, dnum 2 (two 50-bit special primes).
rlwe::ParamsLiteral small_literal() { return ckks::presets::insecure_test(10, 3, 2); }
const std::vector<int> kSteps = {1, 2, -1};

class SerializeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new CkksEnv(small_literal(), kSteps); }
  static void TearDownTestSuite() { delete env_; }
  static CkksEnv* env_;
  const CkksEnv& env() const { return *env_; }
  const rlwe::Params& params() const { return *env_->params; }

  std::vector<ckks::Complex> values() const { return testing::random_complex(params().max_slots(), 1, 3); }
  rlwe::Ciphertext fresh() const { return env().encrypt(values()); }
  // A level-0 ciphertext: the smallest blob that still has every field.
  rlwe::Ciphertext small_ciphertext() const {
    auto ct = fresh();
    env().eval->drop_to_level_inplace(ct, Level{0});
    return ct;
  }
};
CkksEnv* SerializeTest::env_ = nullptr;


// Rebuilds a valid container (fresh checksum) around an edited payload, optionally with another
// fingerprint in the header.
Bytes reseal(const Bytes& blob, ObjectType type, const std::function<void(Bytes&)>& edit,
             std::optional<std::uint64_t> fingerprint = {}) {
  const BlobInfo info = open_blob(blob, type, "test blob");
  Bytes payload(info.payload.begin(), info.payload.end());
  edit(payload);
  ByteWriter w = begin_blob(type, fingerprint.value_or(info.fingerprint));
  w.bytes(payload.data(), payload.size());
  return finish_blob(std::move(w));
}

template <typename T>
void put_at(Bytes& b, std::size_t offset, T v) {
  std::memcpy(b.data() + offset, &v, sizeof v);
}


// ---------------------------------------------------------------- round trips

TEST_F(SerializeTest, ParamsRoundTripRegeneratesTheSameFingerprint) {
  const Bytes blob = write_params(params());
  const auto p = read_params(blob);
  EXPECT_EQ(p->fingerprint(), params().fingerprint());
  EXPECT_EQ(p->q_primes(), params().q_primes());
  EXPECT_EQ(p->p_primes(), params().p_primes());
  EXPECT_EQ(p->literal().name, params().literal().name);
  EXPECT_EQ(p->literal().log_default_scale, params().literal().log_default_scale);
  EXPECT_EQ(p->literal().sigma, params().literal().sigma);
  EXPECT_TRUE(p->literal().allow_insecure);
  EXPECT_EQ(inspect(blob).type, ObjectType::params);
  EXPECT_EQ(inspect(blob).fingerprint, params().fingerprint());

  auto sparse = small_literal();
  sparse.secret = rlwe::SecretDistribution::SparseTernary;
  sparse.hamming_weight = 64;
  const auto ps = rlwe::Params::create(sparse);
  const auto back = read_params(write_params(*ps));
  EXPECT_EQ(back->literal().secret, rlwe::SecretDistribution::SparseTernary);
  EXPECT_EQ(back->literal().hamming_weight, 64);
  EXPECT_EQ(back->fingerprint(), ps->fingerprint());
}

TEST_F(SerializeTest, ParamsWithAnInvalidLiteralOrAnotherFingerprintAreRejected) {
  const Bytes blob = write_params(params());
  // Payload: name (4 + len bytes), then log_n.
  const std::size_t log_n_at = 4 + params().literal().name.size();
  const Bytes bad_n = reseal(blob, ObjectType::params, [&](Bytes& p) { put_at<std::int32_t>(p, log_n_at, 3); });
  expect_error([&] { read_params(bad_n); }, "the stored literal is invalid");
  const Bytes bad_fp = reseal(blob, ObjectType::params, [](Bytes&) {}, params().fingerprint() ^ 1);
  expect_error([&] { read_params(bad_fp); }, "the regenerated parameters have fingerprint");
}

TEST_F(SerializeTest, SecretKeyRoundTrip) {
  const auto sk = read_secret_key(write_secret_key(env().sk, params()), params());
  EXPECT_TRUE(sk.s == env().sk.s);
}

TEST_F(SerializeTest, PublicKeyRoundTripSeededAndFull) {
  const Bytes seeded = write_public_key(env().pk, params());
  const Bytes full = write_public_key(env().pk, params(), {.seeded = false});
  for (const Bytes* blob : {&seeded, &full}) {
    const auto pk = read_public_key(*blob, params());
    EXPECT_TRUE(pk.b == env().pk.b);
    EXPECT_TRUE(pk.a == env().pk.a);
    EXPECT_EQ(pk.seed, env().pk.seed);
  }
  const double ratio = static_cast<double>(seeded.size()) / static_cast<double>(full.size());
  EXPECT_GT(ratio, 0.49);
  EXPECT_LT(ratio, 0.51);

  // The loaded (seeded) public key encrypts correctly.
  const auto pk = read_public_key(seeded, params());
  rlwe::Encryptor enc(env().params, pk);
  const auto v = values();
  const auto ct = enc.encrypt(env().encoder->encode(v, params().max_level(), params().default_scale()));
  EXPECT_GT(min_bits(v, env().decrypt(ct)), 20.0);
}

TEST_F(SerializeTest, SwitchingKeyRoundTripSeededAndFull) {
  const auto& relin = env().keys.relin_key();
  testing::expect_equal_keys(params(), read_switching_key(write_switching_key(relin, params()), params()), relin);
  // Seeded keys are read compressed (a_j re-expanded where used), full ones with their a_j.
  EXPECT_TRUE(read_switching_key(write_switching_key(relin, params()), params()).compressed());
  EXPECT_FALSE(read_switching_key(write_switching_key(relin, params(), {.seeded = false}), params())
                   .compressed());
  rlwe::SwitchingKey packed = relin;
  packed.compress();
  EXPECT_EQ(packed.bytes() * 2, relin.bytes());
  testing::expect_equal_keys(params(), read_switching_key(write_switching_key(packed, params()), params()), relin);
  EXPECT_THROW(write_switching_key(packed, params(), {.seeded = false}), InvalidArgument);
  testing::expect_equal_keys(params(), read_switching_key(write_switching_key(relin, params(), {.seeded = false}), params()),
                    relin);
  // A key generated below the top level.
  rlwe::KeyGenerator kg(env().params);
  const auto low = kg.gen_relin_key(env().sk, Level{1});
  testing::expect_equal_keys(params(), read_switching_key(write_switching_key(low, params()), params()), low);
}

TEST_F(SerializeTest, EvaluationKeyBundleRoundTripMultipliesAndRotates) {
  const Bytes blob = write_evaluation_keys(env().keys, params());
  const rlwe::EvaluationKeys keys = read_evaluation_keys(blob, params());
  ASSERT_TRUE(keys.has_relin_key());
  testing::expect_equal_keys(params(), keys.relin_key(), env().keys.relin_key());
  ASSERT_EQ(keys.galois_keys().size(), env().keys.galois_keys().size());
  for (const auto& [g, k] : env().keys.galois_keys()) testing::expect_equal_keys(params(), keys.galois_key(GaloisElement{g}), k);

  // A server holding only the loaded bundle computes correctly.
  const ckks::Evaluator ev(env().params, &keys);
  const auto a = values();
  const auto ca = env().encrypt(a);
  auto sq = ev.multiply(ca, ca);
  ev.rescale_inplace(sq);
  std::vector<ckks::Complex> expect(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) expect[i] = a[i] * a[i];
  EXPECT_GT(min_bits(expect, env().decrypt(sq)), 18.0);
  for (int step : kSteps) {
    const std::size_t s = a.size();
    for (std::size_t i = 0; i < s; ++i) expect[i] = a[(i + s + static_cast<std::size_t>(step + static_cast<int>(s))) % s];
    EXPECT_GT(min_bits(expect, env().decrypt(ev.rotate(ca, RotationStep{step}))), 20.0) << "step " << step;
  }
  for (std::size_t i = 0; i < a.size(); ++i) expect[i] = std::conj(a[i]);
  EXPECT_GT(min_bits(expect, env().decrypt(ev.conjugate(ca))), 20.0);

  // An empty bundle round-trips too.
  const auto empty = read_evaluation_keys(write_evaluation_keys(rlwe::EvaluationKeys{}, params()), params());
  EXPECT_FALSE(empty.has_relin_key());
  EXPECT_TRUE(empty.galois_keys().empty());
}

TEST_F(SerializeTest, SeededKeysAreAboutHalfTheUnseededSize) {
  const Bytes seeded = write_evaluation_keys(env().keys, params());
  const Bytes full = write_evaluation_keys(env().keys, params(), {.seeded = false});
  const double ratio = static_cast<double>(seeded.size()) / static_cast<double>(full.size());
  EXPECT_GT(ratio, 0.49);
  EXPECT_LT(ratio, 0.51);
  const Bytes ct = write_ciphertext(fresh(), params());
  std::cout << "[ sizes    ] N = 2^10, 4 q + 2 p primes, relin + " << env().keys.galois_keys().size()
            << " Galois keys: bundle seeded " << seeded.size() << " B, full " << full.size()
            << " B, in memory (u64) " << env().keys.bytes() << " B; fresh ciphertext " << ct.size()
            << " B (u64 would be " << 2 * 4 * params().n() * 8 << " B)\n";
}

TEST_F(SerializeTest, ResiduesAreBitPackedWithCeilLog2QBits) {
  const auto ct = fresh();
  const Bytes blob = write_ciphertext(ct, params());
  std::size_t limbs_bytes = 0;
  for (std::size_t i = 0; i < ct.parts[0].limbs(); ++i) {
    const auto q = params().q_primes()[i];
    EXPECT_EQ(residue_bits(q), 64 - __builtin_clzll(q));  // q is not a power of two
    limbs_bytes += params().n() * static_cast<std::size_t>(residue_bits(q)) / 8;
  }
  // header + level, parts, scale, slots + per part an NTT flag and the limbs + checksum.
  EXPECT_EQ(blob.size(), kHeaderBytes + 24 + 2 * (1 + limbs_bytes) + kChecksumBytes);
  EXPECT_LT(blob.size(), 2 * ct.parts[0].data().size() * 8);
}

TEST(SerializePacking, RoundTripsAtEveryPrimeWidth) {
  rlwe::ParamsLiteral lit;
  lit.name = "widths";
  lit.log_n = 4;  // N = 16: the smallest ring, limbs of 2 * bits bytes
  lit.log_q = {20, 21, 33, 47, 59, 60};
  lit.log_p = {23};
  lit.dnum = 1;
  lit.allow_insecure = true;
  const auto params = rlwe::Params::create(lit);
  const auto& ring = params->ring();
  ring::RandomSource rng;
  rlwe::Plaintext pt{ring::sample_uniform(ring, ring.q_basis(params->max_level()), rng),
                     Scale{1.0}, 8};
  for (std::size_t i = 0; i < pt.poly.limbs(); ++i) {  // extremes: 0 and q - 1
    pt.poly.limb(i)[0] = 0;
    pt.poly.limb(i)[15] = params->q_primes()[i] - 1;
  }
  const Bytes blob = write_plaintext(pt, *params);
  EXPECT_TRUE(read_plaintext(blob, *params).poly == pt.poly);
  std::size_t limbs_bytes = 0;
  for (auto q : params->q_primes()) limbs_bytes += packed_limb_bytes(16, q);
  EXPECT_EQ(limbs_bytes, 2u * (20 + 21 + 33 + 47 + 59 + 60));
  EXPECT_EQ(blob.size(), kHeaderBytes + 20 + 1 + limbs_bytes + kChecksumBytes);
}

TEST_F(SerializeTest, CiphertextRoundTripAtEveryShape) {
  const auto v = values();
  auto ct = fresh();
  auto low = env().eval->rescale(env().eval->multiply(ct, ct));  // lower level, other scale
  auto three = env().eval->multiply_no_relin(ct, ct);            // three parts
  auto sparse = env().encrypt(testing::random_complex(8, 1, 5), 8);
  for (const rlwe::Ciphertext* c : {&ct, &low, &three, &sparse}) {
    const auto back = read_ciphertext(write_ciphertext(*c, params()), params());
    EXPECT_TRUE(back.parts == c->parts);
    EXPECT_EQ(back.scale.value, c->scale.value);
    EXPECT_EQ(back.slots, c->slots);
  }
  const auto back = read_ciphertext(write_ciphertext(ct, params()), params());
  EXPECT_GT(min_bits(v, env().decrypt(back)), 20.0);
}

TEST_F(SerializeTest, PlaintextRoundTrip) {
  const auto pt = env().encoder->encode(values(), Level{2}, params().default_scale());
  const auto back = read_plaintext(write_plaintext(pt, params()), params());
  EXPECT_TRUE(back.poly == pt.poly);
  EXPECT_EQ(back.scale.value, pt.scale.value);
  EXPECT_EQ(back.slots, pt.slots);
}

// ---------------------------------------------------------------- rejection

TEST_F(SerializeTest, EveryTruncationIsAFormatError) {
  const Bytes blob = write_ciphertext(small_ciphertext(), params());
  for (std::size_t len = 0; len < blob.size(); ++len) {
    try {
      read_ciphertext(std::span(blob).first(len), params());
      ADD_FAILURE() << "prefix of " << len << " bytes was accepted";
    } catch (const FormatError&) {
    }
  }
  const Bytes p = write_params(params());
  for (std::size_t len = 0; len < p.size(); ++len) {
    EXPECT_THROW(read_params(std::span(p).first(len)), FormatError) << len;
  }
  expect_error([&] { read_ciphertext(std::span(blob).first(100), params()); }, "truncated");
  expect_error([&] { read_ciphertext(std::span(blob).first(0), params()); }, "empty");
}

TEST_F(SerializeTest, EveryFlippedByteIsDetectedAndNamed) {
  const Bytes blob = write_ciphertext(small_ciphertext(), params());
  for (std::size_t i = 0; i < blob.size(); ++i) {
    Bytes bad = blob;
    bad[i] ^= 0x10;
    std::string msg;
    try {
      read_ciphertext(bad, params());
      ADD_FAILURE() << "flip at byte " << i << " was accepted";
      continue;
    } catch (const FormatError& e) {
      msg = e.what();
    }
    const char* expect = i < 5    ? "bad magic"
                         : i < 9  ? "unsupported format version"
                         : i >= kLengthOffset && i < kHeaderBytes ? "truncated"
                                                                 : "checksum mismatch";
    if (i >= kLengthOffset && i < kHeaderBytes && msg.find("trailing") != std::string::npos) continue;
    ASSERT_NE(msg.find(expect), std::string::npos) << "byte " << i << ": " << msg;
  }
}

TEST_F(SerializeTest, WrongMagicNamesWhatTheFileIs) {
  const Bytes ct = write_ciphertext(small_ciphertext(), params());
  expect_error([&] { read_evaluation_keys(ct, params()); },
               "cannot read evaluation keys: bad magic: this is an fhecnn ciphertext file, expected evaluation keys");
  Bytes png = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  png.resize(64);
  expect_error([&] { read_ciphertext(png, params()); },
               "cannot read ciphertext: bad magic '\\x89PNG' (not an fhecnn ciphertext file?)");
  Bytes unknown = ct;
  unknown[4] = 'Z';
  expect_error([&] { read_ciphertext(unknown, params()); }, "unknown object type byte 'Z'");
}

TEST_F(SerializeTest, WrongVersionIsReported) {
  Bytes blob = write_ciphertext(small_ciphertext(), params());
  put_at<std::uint32_t>(blob, 5, 7);
  expect_error([&] { read_ciphertext(blob, params()); },
               "cannot read ciphertext: unsupported format version 7, this build reads " +
                   std::to_string(kFormatVersion));
}

TEST_F(SerializeTest, KeysFromOtherParametersAreRejectedByFingerprint) {
  const auto other = rlwe::Params::create(ckks::presets::insecure_test(10, 4, 2));
  const Bytes keys = write_evaluation_keys(env().keys, params());
  expect_error([&] { read_evaluation_keys(keys, *other); },
               "does not match " + format_fingerprint(other->fingerprint()) +
                   ": the file was made with other parameters");
  expect_error([&] { read_public_key(write_public_key(env().pk, params()), *other); }, "parameter fingerprint");
}

TEST_F(SerializeTest, TrailingBytesAreRejected) {
  Bytes blob = write_ciphertext(small_ciphertext(), params());
  blob.insert(blob.end(), {1, 2, 3});
  expect_error([&] { read_ciphertext(blob, params()); }, "3 trailing bytes after the end of the data");
  // Left-over bytes inside a payload with a valid checksum.
  const Bytes inner = reseal(write_ciphertext(small_ciphertext(), params()), ObjectType::ciphertext,
                             [](Bytes& p) { p.push_back(0); });
  expect_error([&] { read_ciphertext(inner, params()); }, "1 bytes left over after the last field");
}

TEST_F(SerializeTest, ResiduesAtOrAboveTheirPrimeAreCorruption) {
  // Ciphertext payload: level u32, parts u32, scale f64, slots u64, then part 0's NTT flag and
  // limbs; all-ones bits are 2^bits - 1 >= q.
  const Bytes blob = reseal(write_ciphertext(small_ciphertext(), params()), ObjectType::ciphertext,
                            [](Bytes& p) { std::fill_n(p.begin() + 25, 8, 0xFF); });
  expect_error([&] { read_ciphertext(blob, params()); }, "part 0 limb 0 coefficient 0 is ");
  expect_error([&] { read_ciphertext(blob, params()); }, " >= q = " + std::to_string(params().q_primes()[0]));

  // The writer refuses unreduced residues instead of truncating them.
  auto ct = small_ciphertext();
  ct.parts[1].limb(0)[5] = params().q_primes()[0];
  expect_error<InvalidArgument>([&] { write_ciphertext(ct, params()); }, "not reduced modulo q");
}

TEST_F(SerializeTest, FieldsAreCheckedAgainstTheParameters) {
  const Bytes blob = write_ciphertext(small_ciphertext(), params());
  auto edited = [&](std::size_t at, auto v) {
    return reseal(blob, ObjectType::ciphertext, [&](Bytes& p) { put_at(p, at, v); });
  };
  expect_error([&] { read_ciphertext(edited(0, std::uint32_t{9}), params()); }, "level 9 is outside the chain [0, 3]");
  expect_error([&] { read_ciphertext(edited(4, std::uint32_t{4}), params()); }, "4 parts, expected 2 or 3");
  expect_error([&] { read_ciphertext(edited(8, -1.0), params()); }, "scale -1 is not a finite positive number");
  expect_error([&] { read_ciphertext(edited(16, std::uint64_t{3}), params()); }, "slot count 3 is not a power of two in [1, 512]");
  expect_error([&] { read_ciphertext(edited(16, std::uint64_t{1024}), params()); }, "slot count 1024");
  expect_error([&] { read_ciphertext(edited(24, std::uint8_t{2}), params()); }, "NTT flag 2");

  // Galois elements: a bundle with one Galois key is: has_relin 0, count u32, element u64 at 5.
  rlwe::EvaluationKeys one;
  const auto& [g, key] = *env().keys.galois_keys().begin();
  one.add_galois_key(GaloisElement{g}, key);
  const Bytes bundle = write_evaluation_keys(one, params());
  const Bytes even = reseal(bundle, ObjectType::evaluation_keys, [](Bytes& p) { put_at<std::uint64_t>(p, 5, 4); });
  expect_error([&] { read_evaluation_keys(even, params()); }, "Galois element 4 is not an odd number below 2N = 2048");
  const Bytes level = reseal(bundle, ObjectType::evaluation_keys, [](Bytes& p) { put_at<std::uint32_t>(p, 13, 5); });
  expect_error([&] { read_evaluation_keys(level, params()); }, "max level 5 is outside the chain");
}

TEST_F(SerializeTest, WritersRejectObjectsThatDoNotFitTheParameters) {
  rlwe::PublicKey pk = env().pk;
  pk.a.limb(0)[0] = (pk.a.limb(0)[0] + 1) % params().q_primes()[0];
  expect_error<InvalidArgument>([&] { write_public_key(pk, params()); }, "seeded = false");
  EXPECT_TRUE(read_public_key(write_public_key(pk, params(), {.seeded = false}), params()).a == pk.a);

  auto ct = fresh();
  ct.slots = 0;
  expect_error<InvalidArgument>([&] { write_ciphertext(ct, params()); }, "cannot write ciphertext: slot count 0");
  const auto other = rlwe::Params::create(ckks::presets::insecure_test(10, 1, 1));
  expect_error<InvalidArgument>([&] { write_ciphertext(fresh(), *other); }, "level 3 is outside the chain [0, 1]");
}

TEST_F(SerializeTest, TheEvaluationKeyBundleCannotCarryTheSecretKey) {
  // By construction: the bundle is written from rlwe::EvaluationKeys only, which has no secret.
  static_assert(!std::is_constructible_v<rlwe::EvaluationKeys, rlwe::SecretKey>);
  static_assert(!std::is_convertible_v<rlwe::SecretKey, rlwe::EvaluationKeys>);
  static_assert(!std::is_invocable_v<decltype(&rlwe::EvaluationKeys::set_relin_key),
                                     rlwe::EvaluationKeys&, rlwe::SecretKey>);
  // And in the bytes: no 64-byte run of the packed secret appears in the bundle.
  const Bytes sk = write_secret_key(env().sk, params());
  const Bytes bundle = write_evaluation_keys(env().keys, params(), {.seeded = false});
  for (std::size_t at = kHeaderBytes + 1; at + 64 < sk.size() - kChecksumBytes; at += 4096) {
    const auto it = std::search(bundle.begin(), bundle.end(), sk.begin() + static_cast<long>(at),
                                sk.begin() + static_cast<long>(at + 64));
    EXPECT_EQ(it, bundle.end()) << "secret-key bytes at " << at << " found in the bundle";
  }
}

// ---------------------------------------------------------------- files

class SerializeFileTest : public SerializeTest {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fhecnn_io_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(SerializeFileTest, SaveAndLoadEveryObject) {
  save_params(path("params.bin"), params());
  const auto p = load_params(path("params.bin"));
  EXPECT_EQ(p->fingerprint(), params().fingerprint());

  save_secret_key(path("sk.bin"), env().sk, params());
  EXPECT_TRUE(load_secret_key(path("sk.bin"), *p).s == env().sk.s);
  struct stat st {};
  ASSERT_EQ(::stat(path("sk.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  save_public_key(path("pk.bin"), env().pk, params());
  EXPECT_TRUE(load_public_key(path("pk.bin"), *p).b == env().pk.b);
  save_switching_key(path("relin.bin"), env().keys.relin_key(), params());
  testing::expect_equal_keys(params(), load_switching_key(path("relin.bin"), *p), env().keys.relin_key());
  save_evaluation_keys(path("keys.bin"), env().keys, params());
  EXPECT_EQ(load_evaluation_keys(path("keys.bin"), *p).galois_keys().size(), env().keys.galois_keys().size());

  const auto ct = fresh();
  save_ciphertext(path("ct.bin"), ct, params());
  EXPECT_TRUE(load_ciphertext(path("ct.bin"), *p).parts == ct.parts);
  const auto pt = env().encoder->encode(values(), Level{1}, params().default_scale());
  save_plaintext(path("pt.bin"), pt, params());
  EXPECT_TRUE(load_plaintext(path("pt.bin"), *p).poly == pt.poly);
  EXPECT_FALSE(fs::exists(path("ct.bin.tmp")));
}

TEST_F(SerializeFileTest, FileErrorsNameThePathAndTheReason) {
  expect_error([&] { load_evaluation_keys(path("keys.bin"), params()); },
               "cannot read " + path("keys.bin") + ": No such file or directory");
  expect_error([&] { load_ciphertext(dir_.string(), params()); }, "Is a directory");
  expect_error([&] { save_ciphertext(path("missing/ct.bin"), fresh(), params()); },
               "cannot write " + path("missing/ct.bin") + ": No such file or directory");
  save_ciphertext(path("ct.bin"), small_ciphertext(), params());
  expect_error([&] { load_evaluation_keys(path("ct.bin"), params()); },
               "cannot read evaluation keys from " + path("ct.bin") + ": bad magic");
}

}  // namespace
}  // namespace fhecnn::io
