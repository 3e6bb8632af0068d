// What the client/server subcommands share (keygen, encrypt, infer, decrypt, run, eval --mode
// encrypted): the plan fingerprint that binds a key set to a compiled network, the input image,
// the checks that refuse files of another plan or parameter set before any long computation, the
// per-layer timer, peak memory, and an in-process deployment (client and server in one process).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ckks/encoder.hpp"
#include "ckks/evaluator.hpp"
#include "nn/ckks_nn_backend.hpp"
#include "nn/packed_executor.hpp"
#include "rlwe/encryptor.hpp"
#include "setup.hpp"

namespace fhecnn::tool {

// The files of a key directory written by `fhecnn keygen`.
struct KeyDir {
  std::string dir;
  std::string secret_key() const { return dir + "/secret.key"; }  // client only, mode 0600
  std::string public_key() const { return dir + "/public.key"; }  // encrypts without the secret
  std::string eval_keys() const { return dir + "/eval.keys"; }    // the server's bundle
};

// 64-bit fingerprint of a compiled plan: SHA-256 of the preset name, the parameters' fingerprint,
// the model file's SHA-256, alpha, B, the AppReLU coefficients and the slot count. Keys and
// ciphertexts made for one plan are refused by commands run with another. Throws FormatError
// when the model file cannot be read.
std::uint64_t plan_fingerprint(const NetworkOptions& o, const nn::PackedNetwork& net,
                               const rlwe::Params& params);

// Where the input image comes from: a file, or a record of the CIFAR-10 test batch.
struct InputOptions {
  std::string image;
  bool resize = false;  // resample an image of another size to the model's (else refused)
  std::string cifar;    // directory holding test_batch.bin
  std::optional<std::size_t> index;
};
// Registers --image, --resize, --cifar and --index on cmd.
void add_input_options(CLI::App& cmd, InputOptions& o);

struct Input {
  nn::Tensor tensor;         // normalised (io::normalize_image, the models' mean and std)
  std::string description;   // "cat.png (32x32)", "CIFAR-10 test record 7"
  std::optional<int> label;  // CIFAR records only
};
// Reads and normalises the input for net's input shape. Throws InvalidArgument "cannot read the
// input: ..." when neither or both sources are given, or the image has another size (without
// --resize) or the model does not take 3-channel images, and what io::read_image /
// io::read_cifar10 throw.
Input load_input(const InputOptions& o, const nn::PackedNetwork& net);
// Only the option checks of load_input (cheap): call it before any long work.
void check_input_options(const InputOptions& o);

// Checks an evaluation bundle's header (read without loading it) against the parameters and the
// plan. Throws FormatError "cannot use evaluation keys PATH: ..." naming the mismatch.
void check_bundle_header(const std::string& path, const rlwe::Params& params, std::uint64_t plan);
// Client side: when DIR/eval.keys exists, the key set must have been made for this plan.
void check_key_dir(const KeyDir& keys, const rlwe::Params& params, std::uint64_t plan);

// A ciphertext is an encrypted input of net (two parts, the network's slot count, level at or
// above input_level, scale input_scale), or its output (level below input_level, scale
// output_scale). Throw FormatError "cannot use ciphertext PATH: ..." otherwise.
void check_input_ciphertext(const rlwe::Ciphertext& ct, const nn::PackedNetwork& net,
                            const std::string& path);
void check_output_ciphertext(const rlwe::Ciphertext& ct, const nn::PackedNetwork& net,
                             const std::string& path);

// The network's key requirements and one bootstrapper per slot count it bootstraps at (about a
// second each at N = 2^12, more at 2^16), with a progress line on stderr.
struct Bootstrapping {
  nn::NetworkKeyRequirements reqs;
  nn::Bootstrappers boots;
};
Bootstrapping build_bootstrapping(const rlwe::ParamsPtr& params, const nn::PackedNetwork& net);

// "45 Galois keys + relinearisation + conjugation + encapsulation (325.9 MiB)".
std::string describe_key_plan(const nn::NetworkKeyPlan& plan, const rlwe::Params& params);

// Times every step of an encrypted run (the observer of run_encrypted), optionally printing one
// line per layer on stderr: index, node, op, output level, seconds, bootstraps in the step.
class LayerTimer : public nn::PackedObserver {
 public:
  struct Layer {
    std::string node;
    std::string op;
    int level = 0;
    double seconds = 0.0;
    long bootstraps = 0;
  };
  LayerTimer(const nn::PackedNetwork& net, const nn::CkksNnBackend& backend, bool print);
  void begin_step(std::size_t step) override;
  void end_step(std::size_t step, Level level, Scale scale) override;
  const std::vector<Layer>& layers() const { return layers_; }
  std::map<std::string, double> seconds_by_op() const;

 private:
  const nn::PackedNetwork& net_;
  const nn::CkksNnBackend& backend_;
  bool print_;
  std::chrono::steady_clock::time_point start_;
  long bootstraps_at_start_ = 0;
  std::vector<Layer> layers_;
};

// Client and server in one process (run, eval --mode encrypted): fresh keys in memory.
class LocalDeployment {
 public:
  // Builds the bootstrappers and generates every key (progress on stderr).
  LocalDeployment(const rlwe::ParamsPtr& params, const nn::PackedNetwork& net);
  LocalDeployment(const LocalDeployment&) = delete;
  LocalDeployment& operator=(const LocalDeployment&) = delete;

  struct Result {
    std::vector<double> logits;
    double encrypt_seconds = 0.0, run_seconds = 0.0, decrypt_seconds = 0.0;
    long bootstraps = 0;
    std::vector<LayerTimer::Layer> layers;
    std::map<std::string, double> seconds_by_op;
  };
  Result infer(const nn::Tensor& image, bool print_layers);

  const Bootstrapping& bootstrapping() const { return boot_; }
  const nn::NetworkKeys& keys() const { return keys_; }
  double setup_seconds() const { return setup_seconds_; }
  double keygen_seconds() const { return keygen_seconds_; }

 private:
  rlwe::ParamsPtr params_;
  const nn::PackedNetwork& net_;
  Bootstrapping boot_;
  rlwe::SecretKey sk_;
  nn::NetworkKeys keys_;
  std::unique_ptr<ckks::Encoder> encoder_;
  std::unique_ptr<rlwe::Encryptor> encryptor_;
  std::unique_ptr<rlwe::Decryptor> decryptor_;
  std::unique_ptr<ckks::Evaluator> eval_;
  std::unique_ptr<nn::CkksNnBackend> backend_;
  double setup_seconds_ = 0.0, keygen_seconds_ = 0.0;
};

// Peak resident memory of this process (VmHWM of /proc/self/status), 0 when unavailable.
std::size_t peak_rss_bytes();

double seconds_since(std::chrono::steady_clock::time_point t);

// "1.23 GiB", "456.0 MiB", "12.3 KiB".
std::string format_bytes(std::size_t bytes);

// Prints the k classes of largest logit: rank, class, softmax probability, logit.
void print_top(std::ostream& os, const std::vector<double>& logits,
               const std::vector<std::string>& names, std::size_t k);
std::vector<double> softmax(const std::vector<double>& logits);

}  // namespace fhecnn::tool
