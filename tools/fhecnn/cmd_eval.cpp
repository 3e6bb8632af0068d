// `fhecnn eval`: accuracy of an ONNX model on the CIFAR-10 test batch.
//   fhecnn eval --model M.onnx --data DIR --mode float|simulated|encrypted [--count N] [--first I]
//               [--json OUT] [--checkpoint FILE] [--threads T] [--alpha 13] [--relu-bound 40]
//               [--relu-coeffs FILE] [--preset boot_n16] [--noise 0]
// Mode float runs the float64 reference (exact ReLU) on the imported graph after BN folding.
// Mode simulated runs the packed network (multiplexed layouts, MultParConv, AppReLU, simulated
// bootstrapping on the paper's level schedule) on the slot simulator, one simulator per thread,
// and compares every image with the float reference.
// Mode encrypted generates one key set in memory and runs every image encrypted (CKKS), one after
// the other, comparing each with the float reference and the slot simulator (--count required).
// The images are test records [first, first + count). With --checkpoint every finished image is
// appended to FILE at once, and a run given an existing FILE skips the images it holds (see
// eval_checkpoint.hpp): a killed evaluation is resumed by running the same command again.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "ckks/presets.hpp"
#include "commands.hpp"
#include "common/error.hpp"
#include "deploy.hpp"
#include "eval_checkpoint.hpp"
#include "io/cifar.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_executor.hpp"
#include "nn/packed_executor.hpp"
#include "setup.hpp"

namespace fhecnn::tool {
namespace {

enum class EvalMode { float_reference, simulated, encrypted };

const char* mode_name(EvalMode m) {
  switch (m) {
    case EvalMode::simulated: return "simulated";
    case EvalMode::encrypted: return "encrypted";
    case EvalMode::float_reference: break;
  }
  return "float";
}

struct EvalOptions {
  NetworkOptions network;  // model, preset, alpha, B (simulated mode compiles with them)
  std::string data;
  std::optional<std::size_t> count;  // all records from `first` when absent
  std::size_t first = 0;             // index of the first test record
  EvalMode mode = EvalMode::float_reference;
  std::string json;        // report path; none when empty
  std::string checkpoint;  // per-image records, resumed when the file exists; none when empty
  int threads = 0;
  double noise = 0.0;  // simulated: injected simulator noise per operation (stddev)
};

// "eval: done/total images, xx.xx% correct, elapsed, ETA" on one rewritten stderr line; the
// rate is that of the images computed in this run (not those read from a checkpoint).
class Progress {
 public:
  Progress(std::size_t total, std::size_t resumed) : total_(total), resumed_(resumed) {}
  void print(std::size_t done, std::size_t correct) const {
    const double t = seconds_since(start_);
    const double fresh = static_cast<double>(done - std::min(done, resumed_));
    const double eta = fresh > 0 ? t / fresh * static_cast<double>(total_ - done) : 0.0;
    std::fprintf(stderr, "\reval: %zu/%zu images, %.2f%% correct, %.1f s elapsed, ETA %.0f s ",
                 done, total_, done ? 100.0 * static_cast<double>(correct) / done : 0.0, t, eta);
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::size_t total_, resumed_;
};

io::CifarBatch load_batch(const EvalOptions& o) {
  const auto batch_path = (std::filesystem::path(o.data) / "test_batch.bin").string();
  io::CifarRange range;
  range.first = o.first;
  if (o.count) range.count = *o.count;
  return io::read_cifar10(batch_path, range);
}

// ---------------------------------------------------------------- checkpoint

// What the results depend on: a checkpoint written under other settings cannot be resumed.
nlohmann::ordered_json checkpoint_header(const EvalOptions& o) {
  const std::string& model = o.network.model;
  return {{"model", std::filesystem::absolute(model).lexically_normal().string()},
          {"model_bytes", std::filesystem::file_size(model)},
          {"model_sha256", file_sha256(model)},
          {"mode", mode_name(o.mode)},
          {"preset", o.network.preset},
          {"alpha", o.network.alpha},
          {"relu_bound", o.network.relu_bound},
          {"relu_coeffs", o.network.relu_coeffs},
          {"noise", o.noise},
          {"first", o.first},
          {"count", o.count ? nlohmann::ordered_json(*o.count) : nlohmann::ordered_json()}};
}

std::unique_ptr<EvalCheckpoint> open_checkpoint(const EvalOptions& o) {
  if (o.checkpoint.empty()) return nullptr;
  auto c = std::make_unique<EvalCheckpoint>(o.checkpoint, checkpoint_header(o));
  if (!c->records().empty()) {
    std::fprintf(stderr, "resuming from %s: %zu images done\n", o.checkpoint.c_str(),
                 c->records().size());
  }
  return c;
}

// The checkpoint's records as the mode's images (read(record) -> image); none without one.
template <typename Image, typename Read>
std::vector<Image> resumed_images(const EvalCheckpoint* c, Read read) {
  std::vector<Image> out;
  if (!c) return out;
  for (const auto& [index, record] : c->records()) {
    try {
      out.push_back(read(record));
    } catch (const nlohmann::json::exception& e) {
      fail("resume eval from " + c->path(), "the record of image ", index, " is malformed (",
           e.what(), ")");
    }
  }
  return out;
}

// ---------------------------------------------------------------- float

void print_summary(const EvalOptions& o, const nn::FloatEvaluation& r,
                   const std::vector<std::string>& names) {
  std::cout << "model    " << o.network.model << "\nmode     float (float64, exact ReLU, BN folded)\n"
            << "images   " << r.images << "\ncorrect  " << r.correct << "\naccuracy " << std::fixed
            << std::setprecision(2) << 100.0 * r.accuracy() << "%\nseconds  " << r.seconds;
  if (r.resumed) std::cout << "  (" << r.resumed << " images resumed from " << o.checkpoint << ")";
  std::cout << "\nmax |ReLU input| " << std::setprecision(4) << r.relu_inputs.max_abs()
            << "\n\nclass            correct/images\n";
  for (std::size_t c = 0; c < r.per_class.size(); ++c) {
    if (r.per_class[c].images == 0) continue;
    std::cout << "  " << std::left << std::setw(14) << names[c] << std::right << std::setw(6)
              << r.per_class[c].correct << "/" << r.per_class[c].images << "\n";
  }
}

nlohmann::ordered_json json_report(const EvalOptions& o, const nn::FloatEvaluation& r,
                                   const std::vector<std::string>& names) {
  nlohmann::ordered_json relus = nlohmann::ordered_json::array();
  for (const nn::ReluRange& range : r.relu_inputs.relus) {
    relus.push_back({{"node", range.node},
                     {"min", range.min},
                     {"max", range.max},
                     {"max_abs", range.max_abs()}});
  }
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (std::size_t c = 0; c < r.per_class.size(); ++c) {
    classes.push_back({{"label", c},
                       {"name", names[c]},
                       {"images", r.per_class[c].images},
                       {"correct", r.per_class[c].correct}});
  }
  return {{"model", o.network.model},
          {"mode", "float"},
          {"first", o.first},
          {"count", r.images},
          {"correct", r.correct},
          {"accuracy", r.accuracy()},
          {"agreement_with_float", 1.0},
          {"max_logit_diff", 0.0},
          {"max_relu_input", relus},
          {"max_relu_input_overall", r.relu_inputs.max_abs()},
          {"per_class", classes},
          {"predictions", r.predictions},
          {"resumed", r.resumed},
          {"seconds", r.seconds}};
}

void run_float(const EvalOptions& o) {
  const io::CifarBatch batch = load_batch(o);
  const auto checkpoint = open_checkpoint(o);
  const nn::Graph graph = load_graph(o.network.model);
  const auto names = class_names(o.data, graph.shape(graph.output).size());
  const nn::ReluCalibration relus = nn::ReluRangeRecorder(graph).result();
  nn::EvaluationOptions options;
  options.threads = o.threads;
  options.done = resumed_images<nn::FloatImage>(checkpoint.get(), [&](const auto& record) {
    return float_image(record, o.first, relus, "resume eval from " + o.checkpoint);
  });
  const Progress progress(batch.size(), options.done.size());
  options.progress = [&](std::size_t done, std::size_t correct) { progress.print(done, correct); };
  if (checkpoint) {
    options.on_image = [&](const nn::FloatImage& img) {
      checkpoint->append(to_record(img, o.first));
    };
  }
  const nn::FloatEvaluation result = nn::evaluate_float(graph, batch, options);
  std::fprintf(stderr, "\n");
  print_summary(o, result, names);
  if (!o.json.empty()) write_json(o.json, json_report(o, result, names));
}

// ---------------------------------------------------------------- simulated

void print_layers(const nn::SimulationResult& first) {
  std::cout << "\nper layer (image 0): rotations, plaintext products, products, rescales, "
               "bootstraps, level after, max |ReLU input|/B\n";
  for (const nn::LayerReport& l : first.layers) {
    std::cout << "  " << std::left << std::setw(40) << l.node << std::setw(9) << l.op << std::right
              << std::setw(5) << l.counts.rotations << std::setw(5) << l.counts.mul_plain
              << std::setw(4) << l.counts.mul << std::setw(4) << l.counts.rescale << std::setw(3)
              << l.counts.bootstraps << std::setw(4) << l.level.value;
    if (l.op == "relu") std::cout << std::setw(9) << std::setprecision(4) << l.relu_input;
    std::cout << "\n";
  }
  std::cout << "total: " << first.total << "; " << first.rotation_steps.size()
            << " distinct rotation steps\n";
}

// Seconds per image computed in this run (those read from a checkpoint took no time here).
double seconds_per_image(double seconds, std::size_t images, std::size_t resumed) {
  const std::size_t fresh = images - std::min(images, resumed);
  return seconds / static_cast<double>(std::max<std::size_t>(fresh, 1));
}

void print_simulated(const EvalOptions& o, const nn::SimulatedEvaluation& r) {
  const double n = static_cast<double>(std::max<std::size_t>(r.images, 1));
  std::cout << "model    " << o.network.model
            << "\nmode     simulated (packed slot simulator, AppReLU alpha " << o.network.alpha
            << ", B = " << o.network.relu_bound << ", chain " << o.network.preset << ", noise " << o.noise << ")\n"
            << "images   " << r.images << "\ncorrect  " << r.correct << std::fixed
            << std::setprecision(2) << "\naccuracy " << 100.0 * r.accuracy()
            << "%  (float: " << 100.0 * static_cast<double>(r.float_correct) / n
            << "%)\nagreement with float " << 100.0 * r.agreement() << "%\n"
            << std::setprecision(4) << "max |logit - float logit| " << r.max_logit_diff
            << "\nfailures " << r.failures
            << (r.failures ? "  (first: " + r.first_failure + ")" : "") << "\nseconds  "
            << std::setprecision(1) << r.seconds << "  (" << std::setprecision(2)
            << seconds_per_image(r.seconds, r.images, r.resumed) << " s/image";
  if (r.resumed) std::cout << "; " << r.resumed << " images resumed from " << o.checkpoint;
  std::cout << ")\n";
  if (!r.first.layers.empty()) print_layers(r.first);
}

nlohmann::ordered_json layer_json(const nn::LayerReport& l) {
  nlohmann::ordered_json j = {{"node", l.node},
                              {"op", l.op},
                              {"level", l.level.value},
                              {"rotations", l.counts.rotations},
                              {"hoisted_rotations", l.counts.hoisted_rotations},
                              {"mul_plain", l.counts.mul_plain},
                              {"mul", l.counts.mul},
                              {"mul_const", l.counts.mul_const},
                              {"rescale", l.counts.rescale},
                              {"bootstraps", l.counts.bootstraps}};
  if (l.op == "relu") j["relu_input"] = l.relu_input;
  return j;
}

nlohmann::ordered_json simulated_json(const EvalOptions& o, const nn::SimulatedEvaluation& r) {
  nlohmann::ordered_json relus = nlohmann::ordered_json::array();
  for (const auto& [node, m] : r.relu_inputs) relus.push_back({{"node", node}, {"max_abs", m}});
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const nn::LayerReport& l : r.first.layers) layers.push_back(layer_json(l));
  const double n = static_cast<double>(std::max<std::size_t>(r.images, 1));
  return {{"model", o.network.model},
          {"mode", "simulated"},
          {"first", o.first},
          {"count", r.images},
          {"correct", r.correct},
          {"accuracy", r.accuracy()},
          {"float_accuracy", static_cast<double>(r.float_correct) / n},
          {"agreement_with_float", r.agreement()},
          {"max_logit_diff", r.max_logit_diff},
          {"max_relu_input", relus},
          {"failures", r.failures},
          {"first_failure", r.first_failure},
          {"alpha", o.network.alpha},
          {"relu_bound", o.network.relu_bound},
          {"preset", o.network.preset},
          {"noise", o.noise},
          {"threads", o.threads},
          {"predictions", r.predictions},
          {"float_predictions", r.float_predictions},
          {"resumed", r.resumed},
          {"seconds", r.seconds},
          {"seconds_per_image", seconds_per_image(r.seconds, r.images, r.resumed)},
          {"layers", layers},
          {"rotation_steps", r.first.rotation_steps}};
}

void run_simulated(const EvalOptions& o) {
  const io::CifarBatch batch = load_batch(o);
  const auto checkpoint = open_checkpoint(o);
  LoadedNetwork loaded = load_network(o.network);
  nn::PackedOptions packed = loaded.net->options();
  packed.noise.stddev = o.noise;
  const nn::PackedNetwork net(loaded.graph, packed);
  const std::size_t relus = nn::relu_node_names(net).size();
  nn::SimulatedEvaluationOptions options;
  options.threads = o.threads;
  options.noise_offset = o.first;  // image I draws noise stream I however the run is split
  options.done = resumed_images<nn::SimulatedImage>(checkpoint.get(), [&](const auto& record) {
    return simulated_image(record, o.first, relus, "resume eval from " + o.checkpoint);
  });
  const Progress progress(batch.size(), options.done.size());
  options.progress = [&](std::size_t done, std::size_t correct) { progress.print(done, correct); };
  if (checkpoint) {  // called one image at a time
    options.on_image = [&](const nn::SimulatedImage& img) {
      checkpoint->append(to_record(img, o.first));
    };
  }
  const nn::SimulatedEvaluation result = nn::evaluate_simulated(net, batch, options);
  std::fprintf(stderr, "\n");
  print_simulated(o, result);
  if (!o.json.empty()) write_json(o.json, simulated_json(o, result));
}

// ---------------------------------------------------------------- encrypted

struct EncryptedEvaluation {
  std::size_t images = 0, resumed = 0, correct = 0, float_correct = 0, agree_float = 0,
              agree_simulated = 0;
  std::size_t failures = 0;
  std::string first_failure;
  double max_logit_diff = 0.0, max_logit_diff_simulated = 0.0;
  std::vector<double> latency;                    // seconds per image (encrypt + run + decrypt)
  std::map<std::string, double> seconds_by_op;    // summed over images
  std::vector<int> predictions;
  long bootstraps = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Adds one image to the evaluation (images are folded in index order).
void fold(EncryptedEvaluation& e, const EncryptedImage& img, std::size_t first) {
  ++e.images;
  e.float_correct += nn::argmax(img.float_logits) == img.label ? 1 : 0;
  if (!img.error.empty()) {
    ++e.failures;
    if (e.first_failure.empty()) {
      e.first_failure = "image " + std::to_string(first + img.index) + ": " + img.error;
    }
    e.predictions.push_back(-1);
    return;
  }
  const std::vector<double>& enc = img.encrypted_logits;
  const std::vector<double>& sim = img.simulated_logits;
  const int p = nn::argmax(enc);
  e.predictions.push_back(p);
  e.correct += p == img.label ? 1 : 0;
  e.agree_float += p == nn::argmax(img.float_logits) ? 1 : 0;
  e.agree_simulated += !sim.empty() && p == nn::argmax(sim) ? 1 : 0;
  e.max_logit_diff = std::max(e.max_logit_diff, nn::max_abs_diff(enc, img.float_logits));
  if (!sim.empty()) e.max_logit_diff_simulated = std::max(e.max_logit_diff_simulated, nn::max_abs_diff(enc, sim));
  e.latency.push_back(img.seconds);
  for (const auto& [op, s] : img.seconds_by_op) e.seconds_by_op[op] += s;
  e.bootstraps += img.bootstraps;
}

// One encrypted inference of batch image i, with its float and simulated references.
EncryptedImage infer_image(LocalDeployment& d, const nn::PackedNetwork& net,
                           const nn::FloatExecutor& reference, const io::CifarBatch& batch,
                           std::size_t i) {
  EncryptedImage img;
  img.index = i;
  img.label = batch.labels[i];
  const nn::Tensor x = nn::cifar_image_tensor(batch, i, io::cifar10_reference_normalization());
  img.float_logits = reference.run(x).values;
  try {
    img.simulated_logits = nn::simulate_packed(net, x).logits;
    const LocalDeployment::Result r = d.infer(x, false);
    img.encrypted_logits = r.logits;
    img.seconds = r.encrypt_seconds + r.run_seconds + r.decrypt_seconds;
    img.seconds_by_op = r.seconds_by_op;
    img.bootstraps = r.bootstraps;
  } catch (const InvalidArgument& err) {
    img.error = err.what();
  }
  return img;
}

void print_image_line(const EncryptedImage& img, const EncryptedEvaluation& e, std::size_t total,
                      double eta, const std::vector<std::string>& names) {
  if (!img.error.empty()) {
    std::fprintf(stderr, "image %zu/%zu: failed: %s\n", e.images, total, img.error.c_str());
    return;
  }
  const auto name = [&names](int c) { return names[static_cast<std::size_t>(c)].c_str(); };
  std::fprintf(stderr,
               "image %zu/%zu: label %s, encrypted %s, float %s, %.1f s, %.2f%% correct, ETA %.0f s\n",
               e.images, total, name(img.label), name(e.predictions.back()),
               name(nn::argmax(img.float_logits)), img.seconds,
               100.0 * static_cast<double>(e.correct) / static_cast<double>(e.images), eta);
}

struct EncryptedSession {  // what the report says about this run besides the images
  const rlwe::ParamsPtr& params;
  const LocalDeployment* deployment;  // null when every image came from the checkpoint
  double seconds;
};

void print_encrypted(const EvalOptions& o, const EncryptedEvaluation& e, const EncryptedSession& s,
                     std::size_t rss) {
  const double n = static_cast<double>(std::max<std::size_t>(e.images, 1));
  std::cout << "model    " << o.network.model << "\nmode     encrypted (CKKS " << s.params->name()
            << (s.params->security().secure_128 ? ", 128-bit secure" : ", NOT secure") << ", AppReLU alpha "
            << o.network.alpha << ", B = " << o.network.relu_bound << ")\nimages   " << e.images
            << "\ncorrect  " << e.correct << std::fixed << std::setprecision(2) << "\naccuracy "
            << 100.0 * static_cast<double>(e.correct) / n << "%  (float: "
            << 100.0 * static_cast<double>(e.float_correct) / n << "%)\nagreement with float "
            << 100.0 * static_cast<double>(e.agree_float) / n << "%, with the simulator "
            << 100.0 * static_cast<double>(e.agree_simulated) / n << "%\n"
            << std::setprecision(4) << "max |logit - float logit| " << e.max_logit_diff
            << ", max |logit - simulated logit| " << std::scientific << e.max_logit_diff_simulated
            << std::fixed << "\nfailures " << e.failures
            << (e.failures ? "  (first: " + e.first_failure + ")" : "") << std::setprecision(2)
            << "\nlatency  median " << median(e.latency) << " s per image\nbootstraps "
            << e.bootstraps << "\nkeys     "
            << (s.deployment ? format_bytes(s.deployment->keys().bytes()) : "none generated")
            << "\npeak memory " << format_bytes(rss) << "\nseconds  " << s.seconds << " (keygen "
            << (s.deployment ? s.deployment->keygen_seconds() : 0.0) << ")";
  if (e.resumed) std::cout << "; " << e.resumed << " images resumed from " << o.checkpoint;
  std::cout << "\n";
}

nlohmann::ordered_json encrypted_json(const EvalOptions& o, const EncryptedEvaluation& e,
                                      const EncryptedSession& s, std::size_t rss) {
  const double n = static_cast<double>(std::max<std::size_t>(e.images, 1));
  std::map<std::string, double> by_op;  // per image
  for (const auto& [op, sec] : e.seconds_by_op) by_op[op] = sec / n;
  return {{"model", o.network.model},
          {"mode", "encrypted"},
          {"preset", s.params->name()},
          {"alpha", o.network.alpha},
          {"relu_bound", o.network.relu_bound},
          {"first", o.first},
          {"count", e.images},
          {"correct", e.correct},
          {"accuracy", static_cast<double>(e.correct) / n},
          {"float_accuracy", static_cast<double>(e.float_correct) / n},
          {"agreement_with_float", static_cast<double>(e.agree_float) / n},
          {"agreement_with_simulated", static_cast<double>(e.agree_simulated) / n},
          {"max_logit_diff", e.max_logit_diff},
          {"max_logit_diff_simulated", e.max_logit_diff_simulated},
          {"failures", e.failures},
          {"first_failure", e.first_failure},
          {"predictions", e.predictions},
          {"latency_s", {{"per_image", e.latency}, {"median", median(e.latency)}}},
          {"latency_by_op", by_op},
          {"bootstraps", e.bootstraps},
          {"peak_rss_bytes", rss},
          {"key_bytes", s.deployment ? s.deployment->keys().bytes() : 0},
          {"keygen_seconds", s.deployment ? s.deployment->keygen_seconds() : 0.0},
          {"resumed", e.resumed},
          {"seconds", s.seconds}};
}

void run_encrypted_eval(const EvalOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const rlwe::ParamsLiteral lit = preset_literal(o.network);
  require(o.count.has_value(), "evaluate encrypted",
          "--mode encrypted needs --count N (every image is a full encrypted inference)");
  const io::CifarBatch batch = load_batch(o);
  const auto checkpoint = open_checkpoint(o);
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(lit);
  const nn::FloatExecutor reference(loaded.graph);
  const auto names = class_names(o.data, loaded.graph.shape(loaded.graph.output).size());
  std::map<std::size_t, EncryptedImage> done;
  for (EncryptedImage& img : resumed_images<EncryptedImage>(checkpoint.get(), [&](const auto& r) {
         return encrypted_image(r, o.first, "resume eval from " + o.checkpoint);
       })) {
    require(img.index < batch.size() && img.label == batch.labels[img.index],
            "resume eval from " + o.checkpoint, "image ", o.first + img.index,
            " is not in the batch or has another label");
    done.emplace(img.index, std::move(img));
  }
  // Keys only when an image is left to run (they are new on every resume).
  std::unique_ptr<LocalDeployment> d;
  if (done.size() < batch.size()) d = std::make_unique<LocalDeployment>(params, net);
  EncryptedEvaluation e;
  e.resumed = done.size();
  const auto images_start = std::chrono::steady_clock::now();
  std::size_t fresh = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (const auto it = done.find(i); it != done.end()) {
      fold(e, it->second, o.first);
      continue;
    }
    const EncryptedImage img = infer_image(*d, net, reference, batch, i);
    if (checkpoint) checkpoint->append(to_record(img, o.first));
    fold(e, img, o.first);
    ++fresh;
    const double eta = seconds_since(images_start) / static_cast<double>(fresh) *
                       static_cast<double>(batch.size() - done.size() - fresh);
    print_image_line(img, e, batch.size(), eta, names);
  }
  const EncryptedSession session{params, d.get(), seconds_since(start)};
  const std::size_t rss = peak_rss_bytes();
  print_encrypted(o, e, session, rss);
  if (!o.json.empty()) write_json(o.json, encrypted_json(o, e, session, rss));
}

void run_eval(const EvalOptions& o) {
  switch (o.mode) {
    case EvalMode::simulated: return run_simulated(o);
    case EvalMode::encrypted: return run_encrypted_eval(o);
    case EvalMode::float_reference: return run_float(o);
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "accuracy of an ONNX model on the CIFAR-10 test batch");
  add_network_options(*cmd, options->network);
  cmd->add_option("--data", options->data, "directory holding test_batch.bin")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--count", options->count, "number of test images, from --first (all)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--first", options->first, "index of the first test image (0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option_function<std::string>(
         "--mode",
         [options](const std::string& mode) {
           options->mode = mode == "simulated"   ? EvalMode::simulated
                           : mode == "encrypted" ? EvalMode::encrypted
                                                 : EvalMode::float_reference;
         },
         "float (float64 reference) | simulated (packed network on the slot simulator) | "
         "encrypted (CKKS, one key set for all images; needs --count)")
      ->check(CLI::IsMember({"float", "simulated", "encrypted"}))
      ->default_str("float");
  cmd->add_option("--json", options->json, "write a JSON report to this file");
  cmd->add_option("--checkpoint", options->checkpoint,
                  "append every finished image to this file (JSON lines); an existing file of "
                  "the same settings is resumed: its images are not run again");
  cmd->add_option("--threads", options->threads, "worker threads (0 = OpenMP default)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--noise", options->noise,
                  "simulated: injected noise stddev per operation, in message units (0 = exact)")
      ->check(CLI::NonNegativeNumber)
      ->default_str("0");
  cmd->callback([options] { run_eval(*options); });
}

}  // namespace fhecnn::tool
