#include "eval_checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <sstream>
#include <vector>

#include "common/error.hpp"
#include "io/format.hpp"
#include "io/serialize.hpp"

namespace fhecnn::tool {
namespace {

constexpr const char* kMagic = "fhecnn_eval_checkpoint";

std::string read_all(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  require(in.good(), what, "the file cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string value_text(const nlohmann::ordered_json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::string differing_fields(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : a.items()) keys.push_back(key);
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) keys.push_back(key);
  }
  std::string out;
  for (const std::string& key : keys) {
    const auto field = [&key](const nlohmann::ordered_json& j) {
      return j.contains(key) ? j[key] : nlohmann::ordered_json();
    };
    if (field(a) == field(b)) continue;
    out += (out.empty() ? "" : ", ") + key + " " + value_text(field(a));
  }
  return out;
}

EvalCheckpoint::EvalCheckpoint(std::string path, const nlohmann::ordered_json& header)
    : path_(std::move(path)) {
  nlohmann::ordered_json h = header;
  h[kMagic] = 1;
  std::error_code ec;
  if (std::filesystem::exists(path_, ec) && std::filesystem::file_size(path_, ec) > 0) {
    read_back(h);
    out_.open(path_, std::ios::binary | std::ios::app);
  } else {
    out_.open(path_, std::ios::binary | std::ios::trunc);
    out_ << h.dump() << '\n';
    out_.flush();
  }
  require(out_.good(), "write checkpoint " + path_, "the file cannot be written");
}

// Reads the header and the complete records; cuts a last line that a kill left unfinished.
void EvalCheckpoint::read_back(const nlohmann::ordered_json& header) {
  const std::string what = "resume eval from " + path_;
  const std::string text = read_all(path_, what);
  std::size_t line_start = 0, good_end = 0, line_no = 0;
  while (line_start < text.size()) {
    const std::size_t nl = text.find('\n', line_start);
    if (nl == std::string::npos) break;  // unfinished last line: dropped below
    ++line_no;
    const auto j = nlohmann::ordered_json::parse(text.substr(line_start, nl - line_start), nullptr,
                                                 /*allow_exceptions=*/false);
    if (line_no == 1) {
      require(j.is_object() && j.contains(kMagic), what, "it is not an fhecnn eval checkpoint");
      require(differing_fields(j, header).empty(), what, "it was written for ",
              differing_fields(j, header), " but this run is ", differing_fields(header, j));
    } else {
      require(j.is_object() && j.contains("index") && j["index"].is_number_unsigned(), what,
              "line ", line_no, " is not an image record");
      records_[j["index"].get<std::size_t>()] = j;
    }
    good_end = nl + 1;
    line_start = nl + 1;
  }
  if (line_no == 0) {  // not even the header was finished: start afresh
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << header.dump() << '\n';
    return;
  }
  if (good_end < text.size()) std::filesystem::resize_file(path_, good_end);
}

void EvalCheckpoint::append(const nlohmann::ordered_json& record) {
  const std::string line = record.dump() + "\n";
  const std::lock_guard<std::mutex> lock(mutex_);
  out_ << line;
  out_.flush();
  require(out_.good(), "write checkpoint " + path_, "writing a record failed");
}

namespace {

int predicted(const std::vector<double>& logits) {
  return logits.empty() ? -1 : nn::argmax(logits);
}

double max_of(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, x);
  return m;
}

nlohmann::ordered_json base_record(std::size_t index, int label, int prediction,
                                   const std::vector<double>& float_logits) {
  return {{"index", index},
          {"label", label},
          {"predicted", prediction},
          {"float_logits", float_logits}};
}

// Reads record fields, naming the record in errors.
class RecordReader {
 public:
  RecordReader(const nlohmann::ordered_json& r, std::string what) : r_(r), what_(std::move(what)) {}

  const nlohmann::ordered_json& field(const char* key) const {
    require(r_.contains(key), what_, "the record of image ", r_["index"].get<std::size_t>(),
            " has no \"", key, "\"");
    return r_[key];
  }
  std::size_t index(std::size_t first) const {
    const auto i = r_["index"].get<std::size_t>();
    require(i >= first, what_, "image ", i, " comes before the first one, ", first);
    return i - first;
  }
  std::vector<double> doubles(const char* key) const {
    const auto& v = field(key);
    return v.is_null() ? std::vector<double>{} : v.get<std::vector<double>>();
  }
  template <typename T>
  T get(const char* key) const {
    return field(key).get<T>();
  }
  std::string error() const { return r_.contains("error") ? r_["error"].get<std::string>() : ""; }
  const std::string& what() const { return what_; }

 private:
  const nlohmann::ordered_json& r_;
  std::string what_;
};

}  // namespace

nlohmann::ordered_json to_record(const nn::FloatImage& img, std::size_t first) {
  auto r = base_record(first + img.index, img.label, predicted(img.logits), img.logits);
  std::vector<double> lo, hi;
  for (const nn::ReluRange& range : img.relu_inputs.relus) {
    lo.push_back(range.min);
    hi.push_back(range.max);
  }
  r["max_relu_input"] = img.relu_inputs.max_abs();
  r["relu_min"] = lo;
  r["relu_max"] = hi;
  r["seconds"] = img.seconds;
  return r;
}

nlohmann::ordered_json to_record(const nn::SimulatedImage& img, std::size_t first) {
  auto r = base_record(first + img.index, img.label, predicted(img.logits), img.float_logits);
  r["simulated_logits"] = img.logits;
  if (!img.error.empty()) r["error"] = img.error;
  r["max_relu_input"] = max_of(img.relu_inputs);  // max |input| / B over the ReLUs
  r["relu_inputs"] = img.relu_inputs;
  r["seconds"] = img.seconds;
  return r;
}

nlohmann::ordered_json to_record(const EncryptedImage& img, std::size_t first) {
  auto r = base_record(first + img.index, img.label, predicted(img.encrypted_logits),
                       img.float_logits);
  r["simulated_logits"] = img.simulated_logits;
  r["encrypted_logits"] = img.encrypted_logits;
  if (!img.error.empty()) r["error"] = img.error;
  r["seconds"] = img.seconds;
  r["seconds_by_op"] = img.seconds_by_op;
  r["bootstraps"] = img.bootstraps;
  return r;
}

nn::FloatImage float_image(const nlohmann::ordered_json& record, std::size_t first,
                           const nn::ReluCalibration& relus, const std::string& what) {
  const RecordReader r(record, what);
  nn::FloatImage img;
  img.index = r.index(first);
  img.label = r.get<int>("label");
  img.logits = r.doubles("float_logits");
  img.seconds = r.get<double>("seconds");
  img.relu_inputs = relus;
  img.relu_inputs.images = 1;
  const std::vector<double> lo = r.doubles("relu_min"), hi = r.doubles("relu_max");
  require(lo.size() == relus.relus.size() && hi.size() == lo.size(), what, "the record of image ",
          first + img.index, " has ", lo.size(), " ReLU ranges, the model has ",
          relus.relus.size());
  for (std::size_t k = 0; k < lo.size(); ++k) {
    img.relu_inputs.relus[k].min = lo[k];
    img.relu_inputs.relus[k].max = hi[k];
  }
  return img;
}

nn::SimulatedImage simulated_image(const nlohmann::ordered_json& record, std::size_t first,
                                   std::size_t relus, const std::string& what) {
  const RecordReader r(record, what);
  nn::SimulatedImage img;
  img.index = r.index(first);
  img.label = r.get<int>("label");
  img.float_logits = r.doubles("float_logits");
  img.logits = r.doubles("simulated_logits");
  img.error = r.error();
  img.relu_inputs = r.doubles("relu_inputs");
  img.seconds = r.get<double>("seconds");
  require(img.logits.empty() || img.relu_inputs.size() == relus, what, "the record of image ",
          first + img.index, " has ", img.relu_inputs.size(), " ReLU inputs, the model has ",
          relus);
  return img;
}

EncryptedImage encrypted_image(const nlohmann::ordered_json& record, std::size_t first,
                               const std::string& what) {
  const RecordReader r(record, what);
  EncryptedImage img;
  img.index = r.index(first);
  img.label = r.get<int>("label");
  img.float_logits = r.doubles("float_logits");
  img.simulated_logits = r.doubles("simulated_logits");
  img.encrypted_logits = r.doubles("encrypted_logits");
  img.error = r.error();
  img.seconds = r.get<double>("seconds");
  img.seconds_by_op = r.get<std::map<std::string, double>>("seconds_by_op");
  img.bootstraps = r.get<long>("bootstraps");
  return img;
}

std::string file_sha256(const std::string& path) {
  const auto md = io::sha256(io::read_file(path));
  std::ostringstream hex;
  for (const std::uint8_t b : md) hex << std::hex << std::setw(2) << std::setfill('0') << int{b};
  return hex.str();
}

}  // namespace fhecnn::tool
