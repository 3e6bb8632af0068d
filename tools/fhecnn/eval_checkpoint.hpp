// `fhecnn eval --checkpoint FILE`: evaluations of hours (10,000 simulated images of ResNet-110,
// encrypted images) that survive being killed at any moment.
//
// The file is JSON lines. The first is a header naming what the results depend on (model path,
// size and SHA-256, mode, preset, alpha, B, coefficient file, noise, first and count); each
// further line is the record of one finished image, appended and flushed as soon as the image is
// done (in completion order, so a parallel run writes them out of index order). A run given an
// existing file resumes it: the header must be the same, the recorded images are not run again
// and their records are folded into the report as if computed in this run; a last line cut
// short by a kill is dropped and overwritten.
#pragma once

#include <cstddef>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/calibration.hpp"
#include "nn/evaluate.hpp"
#include "nn/packed_executor.hpp"

namespace fhecnn::tool {

class EvalCheckpoint {
 public:
  // Opens `path` for a run described by `header` (a JSON object): creates the file with the
  // header, or reads an existing one back. Throws InvalidArgument "cannot resume eval from
  // PATH: ..." when its header differs ("it was written for <fields> but this run is
  // <fields>", naming the fields that differ), it is not an eval checkpoint, or a complete line
  // is not a record with an integer "index"; "cannot write checkpoint PATH: ..." when the file
  // cannot be written.
  EvalCheckpoint(std::string path, const nlohmann::ordered_json& header);

  const std::string& path() const { return path_; }
  // The records read back, by their "index" (the last one wins for an index written twice).
  const std::map<std::size_t, nlohmann::ordered_json>& records() const { return records_; }

  // Appends one record as a line and flushes it; safe to call from several threads at once.
  // Throws InvalidArgument "cannot write checkpoint PATH: ..." when writing fails.
  void append(const nlohmann::ordered_json& record);

 private:
  void read_back(const nlohmann::ordered_json& header);

  std::string path_;
  std::map<std::size_t, nlohmann::ordered_json> records_;
  std::mutex mutex_;
  std::ofstream out_;
};

// ---------------------------------------------------------------------------------------------
// Image records. Every record has "index" (the test record: first + index in the batch),
// "label", "predicted" (-1 on failure), "float_logits" and "seconds"; the simulated and
// encrypted ones "simulated_logits", the encrypted ones "encrypted_logits", each mode what its
// report needs besides (ReLU input ranges, per-layer times, an error message). Logits are written
// with enough digits to be read back exactly. Reading throws InvalidArgument "cannot resume eval
// from <what>: ..." for a record that lacks a field or has the wrong number of ReLUs.

// One encrypted inference of `fhecnn eval --mode encrypted`.
struct EncryptedImage {
  std::size_t index = 0;  // in the batch
  int label = 0;
  std::vector<double> float_logits, simulated_logits, encrypted_logits;  // empty when not computed
  std::string error;                            // why it failed ("" when it did not)
  double seconds = 0.0;                         // encrypt + run + decrypt
  std::map<std::string, double> seconds_by_op;  // per layer kind
  long bootstraps = 0;
};

nlohmann::ordered_json to_record(const nn::FloatImage& img, std::size_t first);
nlohmann::ordered_json to_record(const nn::SimulatedImage& img, std::size_t first);
nlohmann::ordered_json to_record(const EncryptedImage& img, std::size_t first);
// `relus`: the model's ReLUs (ReluRangeRecorder(graph).result()), each record's ranges go there.
nn::FloatImage float_image(const nlohmann::ordered_json& record, std::size_t first,
                           const nn::ReluCalibration& relus, const std::string& what);
// `relus`: how many ReLU steps the network has.
nn::SimulatedImage simulated_image(const nlohmann::ordered_json& record, std::size_t first,
                                   std::size_t relus, const std::string& what);
EncryptedImage encrypted_image(const nlohmann::ordered_json& record, std::size_t first,
                               const std::string& what);

// "field value, field value" for the fields of `a` whose values differ in `b` (absent: null).
std::string differing_fields(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b);

// SHA-256 of a file's bytes, in hex. Throws InvalidArgument when the file cannot be read.
std::string file_sha256(const std::string& path);

}  // namespace fhecnn::tool
