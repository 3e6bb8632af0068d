#include "deploy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <ostream>
#include <sstream>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "io/bundle.hpp"
#include "io/cifar.hpp"
#include "io/image.hpp"
#include "nn/evaluate.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::tool {
namespace {

std::uint64_t first_u64(const std::array<std::uint8_t, 32>& digest) {
  std::uint64_t v = 0;
  std::memcpy(&v, digest.data(), sizeof v);
  return v;
}

bool same_scale(Scale a, Scale b) { return std::abs(a.value - b.value) <= 1e-9 * b.value; }

nn::Tensor normalised(const io::Image& img) {
  return nn::Tensor(nn::Shape{img.channels, img.height, img.width},
                    io::normalize_image(img.chw, io::cifar10_reference_normalization()));
}

}  // namespace

std::uint64_t plan_fingerprint(const NetworkOptions& o, const nn::PackedNetwork& net,
                               const rlwe::Params& params) {
  const nn::PackedOptions& p = net.options();
  ByteWriter w;
  w.str("fhecnn plan v2");
  w.str(o.preset);
  w.u64(params.fingerprint());
  const auto model = io::sha256(io::read_file(o.model));
  w.bytes(model.data(), model.size());
  w.i32(o.alpha);
  w.f64(p.relu_bound);
  w.u64(p.slots);
  w.f64(p.logit_unit);
  w.u32(static_cast<std::uint32_t>(p.relu_chain.size()));
  for (const circuits::ChebyshevPoly& poly : p.relu_chain) {
    w.u8(static_cast<std::uint8_t>(poly.parity));
    w.u32(static_cast<std::uint32_t>(poly.coeffs.size()));
    for (double c : poly.coeffs) w.f64(c);
  }
  return first_u64(io::sha256(w.data()));
}

// ---------------------------------------------------------------- input

void add_input_options(CLI::App& cmd, InputOptions& o) {
  auto* image = cmd.add_option("--image", o.image,
                               "input image (PNG, JPEG, BMP, binary PPM/PGM) of the model's size");
  cmd.add_flag("--resize", o.resize,
               "centre-crop an image of another size to the model's aspect ratio and resample it "
               "to its input size (box filter when shrinking, bilinear when growing)");
  auto* cifar = cmd.add_option("--cifar", o.cifar,
                               "input from the CIFAR-10 test batch: directory with test_batch.bin");
  cmd.add_option("--index", o.index, "record of the CIFAR-10 test batch (with --cifar)");
  image->excludes(cifar);
}

void check_input_options(const InputOptions& o) {
  constexpr const char* what = "read the input";
  require(!o.image.empty() || !o.cifar.empty(), what, "give --image FILE or --cifar DIR --index I");
  require(o.cifar.empty() || o.index.has_value(), what, "--cifar needs --index I");
  require(!o.index.has_value() || !o.cifar.empty(), what, "--index needs --cifar DIR");
  require(!o.resize || !o.image.empty(), what, "--resize applies to --image only");
}

Input load_input(const InputOptions& o, const nn::PackedNetwork& net) {
  check_input_options(o);
  const nn::Shape shape = net.graph().shape(net.graph().input);
  require(shape.channels == 3, "read the input", "the model takes ", shape,
          " inputs; images are RGB (3 channels)");
  Input in;
  if (!o.image.empty()) {
    io::Image img = io::read_image(o.image);
    const std::string size = std::to_string(img.width) + "x" + std::to_string(img.height);
    const std::string want = std::to_string(shape.width) + "x" + std::to_string(shape.height);
    if (img.height != shape.height || img.width != shape.width) {
      require(o.resize, "use image " + o.image, "it is ", size, " pixels, the model takes ", want,
              " (width x height); pass --resize to resample it");
      img = io::resize_image(io::crop_to_aspect(img, {shape.height, shape.width}),
                             {shape.height, shape.width});
      in.description = o.image + " (" + size + ", centre-cropped and resized to " + want + ")";
    } else {
      in.description = o.image + " (" + size + ")";
    }
    in.tensor = normalised(img);
    return in;
  }
  const nn::Shape cifar{io::CifarBatch::channels, io::CifarBatch::height, io::CifarBatch::width};
  require(shape == cifar, "read the input", "the model takes ", shape,
          " inputs, CIFAR-10 records are ", cifar);
  const std::string batch_path = (std::filesystem::path(o.cifar) / "test_batch.bin").string();
  io::CifarRange range;
  range.first = *o.index;
  range.count = 1;
  const io::CifarBatch batch = io::read_cifar10(batch_path, range);
  in.tensor = nn::cifar_image_tensor(batch, 0, io::cifar10_reference_normalization());
  in.label = batch.labels[0];
  in.description = "CIFAR-10 test record " + std::to_string(*o.index);
  return in;
}

// ---------------------------------------------------------------- checks

void check_bundle_header(const std::string& path, const rlwe::Params& params, std::uint64_t plan) {
  const io::BundleHeader h = io::peek_evaluation_bundle(path);
  const std::string what = "use evaluation keys " + path;
  require<FormatError>(h.params_fingerprint == params.fingerprint(), what,
                       "they were generated for other CKKS parameters (fingerprint ",
                       io::format_fingerprint(h.params_fingerprint), ", preset ", params.name(),
                       " has ", io::format_fingerprint(params.fingerprint()), ")");
  require<FormatError>(h.plan_fingerprint == plan, what,
                       "they were generated for another plan (fingerprint ",
                       io::format_fingerprint(h.plan_fingerprint),
                       ", this model, preset, alpha "
                       "and B give ",
                       io::format_fingerprint(plan),
                       "); use the --model, --preset, --alpha, --relu-bound and --relu-coeffs "
                       "given to keygen");
}

void check_key_dir(const KeyDir& keys, const rlwe::Params& params, std::uint64_t plan) {
  if (std::filesystem::exists(keys.eval_keys()))
    check_bundle_header(keys.eval_keys(), params, plan);
}

namespace {

void check_ciphertext_shape(const rlwe::Ciphertext& ct, const nn::PackedNetwork& net,
                            const std::string& what) {
  require<FormatError>(ct.size() == 2, what, "it has ", ct.size(),
                       " parts (not relinearised): not a network input or output");
  require<FormatError>(ct.slots == net.options().slots, what, "it has ", ct.slots,
                       " slots, the network runs on ", net.options().slots,
                       " (made for another model or preset?)");
}

}  // namespace

void check_input_ciphertext(const rlwe::Ciphertext& ct, const nn::PackedNetwork& net,
                            const std::string& path) {
  const std::string what = "use ciphertext " + path;
  const nn::PackedOptions& o = net.options();
  check_ciphertext_shape(ct, net, what);
  require<FormatError>(ct.level() >= o.input_level, what, "it is at level ", ct.level().value,
                       ", the network takes its input at level ", o.input_level.value,
                       " or above (not an encrypted input?)");
  require<FormatError>(same_scale(ct.scale, o.input_scale), what, "its scale is 2^",
                       ct.scale.log2(), ", the network's inputs are encrypted at 2^",
                       o.input_scale.log2(), " (not an encrypted input of this network?)");
}

void check_output_ciphertext(const rlwe::Ciphertext& ct, const nn::PackedNetwork& net,
                             const std::string& path) {
  const std::string what = "use ciphertext " + path;
  check_ciphertext_shape(ct, net, what);
  require<FormatError>(ct.level() < net.options().input_level, what, "it is at level ",
                       ct.level().value, ", a result of this network is below level ",
                       net.options().input_level.value, " (an encrypted input?)");
  require<FormatError>(same_scale(ct.scale, net.options().output_scale), what, "its scale is 2^",
                       ct.scale.log2(), ", the network's logits come out at 2^",
                       net.options().output_scale.log2(), " (not a result of this network?)");
}

// ---------------------------------------------------------------- bootstrapping, timing

Bootstrapping build_bootstrapping(const rlwe::ParamsPtr& params, const nn::PackedNetwork& net) {
  Bootstrapping b;
  b.reqs = nn::network_key_requirements(net);
  if (!b.reqs.bootstrap_slots.empty()) {
    std::string counts;
    for (std::size_t n : b.reqs.bootstrap_slots) counts += " " + std::to_string(n);
    std::fprintf(stderr, "building bootstrappers for%s slots...\n", counts.c_str());
  }
  const auto t = std::chrono::steady_clock::now();
  b.boots = nn::make_bootstrappers(params, b.reqs.bootstrap_slots);
  if (!b.boots.empty()) std::fprintf(stderr, "bootstrappers ready (%.1f s)\n", seconds_since(t));
  return b;
}

std::string describe_key_plan(const nn::NetworkKeyPlan& plan, const rlwe::Params& params) {
  return std::to_string(plan.galois.size()) + " Galois keys + relinearisation" +
         (plan.conjugation ? " + conjugation" : "") +
         (plan.encapsulation_hamming_weight > 0 ? " + encapsulation" : "") + " (" +
         format_bytes(plan.bytes(params)) + ")";
}

LayerTimer::LayerTimer(const nn::PackedNetwork& net, const nn::CkksNnBackend& backend, bool print)
    : net_(net), backend_(backend), print_(print) {}

void LayerTimer::begin_step(std::size_t) {
  start_ = std::chrono::steady_clock::now();
  bootstraps_at_start_ = backend_.bootstraps();
}

void LayerTimer::end_step(std::size_t step, Level level, Scale) {
  const nn::PackedStep& s = net_.steps()[step];
  Layer l{net_.graph().nodes[s.node].name, nn::to_string(s.kind), level.value,
          seconds_since(start_), backend_.bootstraps() - bootstraps_at_start_};
  if (print_) {
    std::fprintf(
        stderr, "  [%3zu/%zu] %-36s %-9s level %2d %8.2f s%s\n", step + 1, net_.steps().size(),
        l.node.c_str(), l.op.c_str(), l.level, l.seconds,
        l.bootstraps > 0 ? (" (" + std::to_string(l.bootstraps) + " bootstrap)").c_str() : "");
  }
  layers_.push_back(std::move(l));
}

std::map<std::string, double> LayerTimer::seconds_by_op() const {
  std::map<std::string, double> m;
  for (const Layer& l : layers_) m[l.op] += l.seconds;
  return m;
}

// ---------------------------------------------------------------- in-process deployment

LocalDeployment::LocalDeployment(const rlwe::ParamsPtr& params, const nn::PackedNetwork& net)
    : params_(params), net_(net) {
  auto t = std::chrono::steady_clock::now();
  boot_ = build_bootstrapping(params, net);
  setup_seconds_ = seconds_since(t);
  t = std::chrono::steady_clock::now();
  rlwe::KeyGenerator kg(params);
  sk_ = kg.gen_secret_key();
  const nn::NetworkKeyPlan plan = nn::plan_network_keys(*params, boot_.reqs, boot_.boots);
  std::fprintf(stderr, "generating %s...\n", describe_key_plan(plan, *params).c_str());
  keys_ = nn::gen_network_keys(params, sk_, boot_.reqs, boot_.boots);
  keygen_seconds_ = seconds_since(t);
  std::fprintf(stderr, "keys ready (%.1f s)\n", keygen_seconds_);
  encoder_ = std::make_unique<ckks::Encoder>(params);
  encryptor_ = std::make_unique<rlwe::Encryptor>(params, sk_);
  decryptor_ = std::make_unique<rlwe::Decryptor>(params, sk_);
  eval_ = std::make_unique<ckks::Evaluator>(params, &keys_.eval);
  backend_ = std::make_unique<nn::CkksNnBackend>(
      *eval_, keys_.encapsulation ? &*keys_.encapsulation : nullptr, boot_.boots);
}

LocalDeployment::Result LocalDeployment::infer(const nn::Tensor& image, bool print_layers) {
  Result r;
  auto t = std::chrono::steady_clock::now();
  const rlwe::Ciphertext in = nn::encrypt_input(net_, image, *encoder_, *encryptor_);
  r.encrypt_seconds = seconds_since(t);
  LayerTimer timer(net_, *backend_, print_layers);
  const long before = backend_->bootstraps();
  t = std::chrono::steady_clock::now();
  const rlwe::Ciphertext out = nn::run_encrypted(net_, *backend_, in, &timer);
  r.run_seconds = seconds_since(t);
  r.bootstraps = backend_->bootstraps() - before;
  t = std::chrono::steady_clock::now();
  r.logits = nn::decrypt_logits(net_, out, *encoder_, *decryptor_);
  r.decrypt_seconds = seconds_since(t);
  r.layers = timer.layers();
  r.seconds_by_op = timer.seconds_by_op();
  return r;
}

// ---------------------------------------------------------------- small helpers

std::size_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream is(line.substr(6));
      std::size_t kib = 0;
      is >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string format_bytes(std::size_t bytes) {
  const double b = static_cast<double>(bytes);
  char buf[32];
  if (b >= 1024.0 * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  } else if (b >= 1024.0 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  }
  return buf;
}

std::vector<double> softmax(const std::vector<double>& logits) {
  if (logits.empty()) return {};
  const double m = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp(logits[i] - m);
  for (double& x : p) x /= sum;
  return p;
}

void print_top(std::ostream& os, const std::vector<double>& logits,
               const std::vector<std::string>& names, std::size_t k) {
  const std::vector<double> p = softmax(logits);
  std::vector<std::size_t> order(logits.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });
  k = std::min(k, order.size());
  os << "  rank  class            probability     logit\n";
  for (std::size_t r = 0; r < k; ++r) {
    const std::size_t c = order[r];
    char line[160];
    std::snprintf(line, sizeof line, "  %4zu  %-16s %10.2f%% %9.4f\n", r + 1,
                  (c < names.size() ? names[c] : "class " + std::to_string(c)).c_str(),
                  100.0 * p[c], logits[c]);
    os << line;
  }
}

}  // namespace fhecnn::tool
