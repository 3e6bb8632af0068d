// `fhecnn eval --checkpoint FILE` and `--first I`, in-process on the smallest CIFAR-shaped network
// (insecure N = 2^13 preset, no bootstrap): a run resumed from a partial file (records out of
// order, a last line cut short by a kill) gives the same report as one uninterrupted run and
// leaves a clean file; a file written under other settings is refused naming them; --first
// evaluates the records from I on, with the noise streams of the full run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "tools/cifar_fixtures.hpp"

namespace fhecnn::tool {
namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;
using testdata::error_of;

std::string repo_file(const std::string& rel) {
  return (fs::path(__FILE__).parent_path().parent_path().parent_path() / rel).string();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

nlohmann::json read_json(const std::string& path) {
  nlohmann::json j;
  std::ifstream(path) >> j;
  return j;
}

// The report without what may differ between two runs of the same evaluation.
nlohmann::json without_timing(nlohmann::json r) {
  for (const char* key : {"seconds", "seconds_per_image", "resumed"}) r.erase(key);
  return r;
}

class EvalCheckpointTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("fhecnn_eval_checkpoint_test_" + std::to_string(::getpid())));
    fs::create_directories(*dir_ / "cifar");
    std::ofstream(path("cifar.onnx"), std::ios::binary)
        << testdata::tiny_cifar_net(5).SerializeAsString();
    testdata::write_cifar_batch(path("cifar/test_batch.bin"), 8);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static Args eval(const std::string& mode, const Args& more, const std::string& bound = "4") {
    Args a = {"eval", "--model", path("cifar.onnx"), "--preset", "insecure_boot_n13",
              "--allow-insecure", "--relu-bound", bound, "--relu-coeffs",
              repo_file("data/minimax/relu_alpha13.txt"), "--data", path("cifar"), "--mode", mode};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  // Header, the records of lines `keep` (1-based, in that order), then half of line `cut`.
  static void write_partial(const std::string& from, const std::string& to,
                            const std::vector<std::size_t>& keep, std::size_t cut) {
    const auto lines = lines_of(from);
    std::ofstream out(to, std::ios::binary);
    out << lines[0] << '\n';
    for (std::size_t k : keep) out << lines[k] << '\n';
    out << lines[cut].substr(0, lines[cut].size() / 2);  // killed mid-write
  }
  // Every line of a checkpoint parses; returns the record indices.
  static std::multiset<std::size_t> record_indices(const std::string& file) {
    std::multiset<std::size_t> indices;
    const auto lines = lines_of(file);
    for (std::size_t k = 1; k < lines.size(); ++k) {
      indices.insert(nlohmann::json::parse(lines[k])["index"].get<std::size_t>());
    }
    return indices;
  }
  static void expect_resume_equals_one_run(const std::string& mode, const Args& more) {
    const std::string full = path(mode + "-full"), part = path(mode + "-part");
    run_command_line(eval(mode, concat(more, {"--checkpoint", full + ".ckpt", "--json",
                                              full + ".json"})));
    EXPECT_EQ(record_indices(full + ".ckpt"), (std::multiset<std::size_t>{0, 1, 2, 3, 4, 5}));
    write_partial(full + ".ckpt", part + ".ckpt", {4, 2}, 5);
    run_command_line(eval(mode, concat(more, {"--checkpoint", part + ".ckpt", "--json",
                                              part + ".json"})));
    const nlohmann::json a = read_json(full + ".json"), b = read_json(part + ".json");
    EXPECT_EQ(a["resumed"].get<int>(), 0);
    EXPECT_EQ(b["resumed"].get<int>(), 2);
    EXPECT_EQ(without_timing(b), without_timing(a));
    // The cut line is gone, every image is there once, the header is unchanged.
    EXPECT_EQ(record_indices(part + ".ckpt"), (std::multiset<std::size_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(lines_of(part + ".ckpt")[0], lines_of(full + ".ckpt")[0]);
  }
  static Args concat(Args a, const Args& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  static fs::path* dir_;
};
fs::path* EvalCheckpointTest::dir_ = nullptr;

TEST_F(EvalCheckpointTest, SimulatedResumeGivesTheReportOfOneRun) {
  expect_resume_equals_one_run("simulated", {"--count", "6", "--threads", "2"});
}

TEST_F(EvalCheckpointTest, FloatResumeGivesTheReportOfOneRun) {
  expect_resume_equals_one_run("float", {"--count", "6"});
}

TEST_F(EvalCheckpointTest, RefusesAFileWrittenForOtherSettings) {
  const std::string file = path("settings.ckpt");
  run_command_line(eval("simulated", {"--count", "2", "--checkpoint", file}));
  const auto before = lines_of(file);
  std::string e = error_of(eval("simulated", {"--count", "2", "--checkpoint", file}, "5"));
  EXPECT_NE(e.find("cannot resume eval from " + file + ": it was written for relu_bound 4.0 but "
                   "this run is relu_bound 5.0"),
            std::string::npos)
      << e;
  e = error_of(eval("float", {"--count", "3", "--checkpoint", file}));
  EXPECT_NE(e.find("it was written for mode simulated, count 2 but this run is mode float, "
                   "count 3"),
            std::string::npos)
      << e;
  EXPECT_EQ(lines_of(file), before);  // untouched
  std::ofstream(path("other.txt")) << "{\"a\": 1}\nhello\n";
  e = error_of(eval("float", {"--count", "2", "--checkpoint", path("other.txt")}));
  EXPECT_NE(e.find("it is not an fhecnn eval checkpoint"), std::string::npos) << e;
}

TEST_F(EvalCheckpointTest, FirstEvaluatesTheLaterRecordsWithTheirOwnNoise) {
  const Args noisy = {"--noise", "1e-6", "--threads", "2"};
  run_command_line(eval("simulated", concat(noisy, {"--count", "5", "--checkpoint",
                                                    path("all.ckpt"), "--json",
                                                    path("all.json")})));
  run_command_line(eval("simulated", concat(noisy, {"--first", "2", "--count", "3", "--checkpoint",
                                                    path("tail.ckpt"), "--json",
                                                    path("tail.json")})));
  EXPECT_EQ(record_indices(path("tail.ckpt")), (std::multiset<std::size_t>{2, 3, 4}));
  const nlohmann::json all = read_json(path("all.json")), tail = read_json(path("tail.json"));
  EXPECT_EQ(tail["first"].get<int>(), 2);
  EXPECT_EQ(tail["count"].get<int>(), 3);
  const auto predictions = all["predictions"].get<std::vector<int>>();
  EXPECT_EQ(tail["predictions"].get<std::vector<int>>(),
            std::vector<int>(predictions.begin() + 2, predictions.end()));
  // Image i draws noise stream i whichever part of a split run computes it.
  std::map<std::size_t, std::vector<double>> logits;
  for (const auto& line : lines_of(path("all.ckpt"))) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("index")) logits[j["index"]] = j["simulated_logits"].get<std::vector<double>>();
  }
  for (const auto& line : lines_of(path("tail.ckpt"))) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("index")) continue;
    EXPECT_EQ(j["simulated_logits"].get<std::vector<double>>(), logits[j["index"]]);
  }
}

}  // namespace
}  // namespace fhecnn::tool
