// `fhecnn plan`: what an encrypted run of a model needs, without generating anything: the
// compiled network's operation counts, its rotation keys by level, the bootstrappers' key plans
// and the total key memory.
//   fhecnn plan --model M.onnx [--preset boot_n16] [--alpha 13] [--relu-bound 40] [--json OUT]
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "nn/ckks_nn_backend.hpp"
#include "setup.hpp"

namespace fhecnn::tool {
namespace {

struct PlanOptions {
  NetworkOptions network;
  std::string json;
};

double mib(std::size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

void run_plan(const PlanOptions& o) {
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(preset_literal(o.network));
  const nn::NetworkKeyRequirements reqs = nn::network_key_requirements(net);
  std::fprintf(stderr, "building bootstrappers for %zu slot counts...\n",
               reqs.bootstrap_slots.size());
  const nn::Bootstrappers boots = nn::make_bootstrappers(params, reqs.bootstrap_slots);
  const nn::NetworkKeyPlan plan = nn::plan_network_keys(*params, reqs, boots);

  std::map<int, std::pair<int, std::size_t>> by_level;  // level -> (keys, bytes)
  for (const auto& [g, level] : plan.galois) {
    auto& [count, bytes] = by_level[level.value];
    ++count;
    bytes += params->switching_key_bytes(level);
  }
  std::cout << "model       " << o.network.model << "\nparameters  " << params->name()
            << ": N = 2^" << params->log_n().value << ", log QP " << params->security().log_qp
            << (params->security().secure_128 ? " (128-bit secure)" : " (NOT secure)") << "\n"
            << "network     " << reqs.rotations.size() << " rotation steps on " << reqs.slots
            << " slots, bootstraps at";
  for (std::size_t n : reqs.bootstrap_slots) std::cout << ' ' << n;
  std::cout << " slots\n";
  for (const auto& [n, boot] : boots) {
    std::cout << "bootstrap   " << n << " slots: " << boot->key_plan().rotations.size()
              << " rotation keys, " << boot->key_switches() << " key switches per bootstrap\n";
  }
  std::cout << "keys        " << plan.galois.size() << " Galois keys + relinearisation"
            << (plan.conjugation ? " + conjugation" : "") << ": " << mib(plan.bytes(*params))
            << " MiB compressed (" << mib(plan.bytes(*params, false))
            << " MiB expanded)\n  level  keys  MiB (expanded)\n";
  for (const auto& [level, kb] : by_level) {
    std::cout << "  " << std::setw(5) << level << ' ' << std::setw(5) << kb.first << ' '
              << std::setw(8) << std::fixed << std::setprecision(1) << mib(kb.second) << "\n";
  }
  if (!o.json.empty()) {
    nlohmann::ordered_json levels = nlohmann::ordered_json::array();
    for (const auto& [level, kb] : by_level) {
      levels.push_back({{"level", level}, {"keys", kb.first}, {"bytes", kb.second}});
    }
    write_json(o.json, {{"model", o.network.model},
                        {"preset", params->name()},
                        {"log_qp", params->security().log_qp},
                        {"secure_128", params->security().secure_128},
                        {"network_rotation_steps", reqs.rotations.size()},
                        {"bootstrap_slots", reqs.bootstrap_slots},
                        {"galois_keys", plan.galois.size()},
                        {"key_bytes", plan.bytes(*params)},
                        {"key_bytes_expanded", plan.bytes(*params, false)},
                        {"galois_keys_by_level", levels}});
  }
}

}  // namespace

void add_plan_command(CLI::App& app) {
  auto options = std::make_shared<PlanOptions>();
  auto* cmd = app.add_subcommand("plan", "keys and memory an encrypted run of a model needs");
  add_network_options(*cmd, options->network);
  cmd->add_option("--json", options->json, "write the plan as JSON to this file");
  cmd->callback([options] { run_plan(*options); });
}

}  // namespace fhecnn::tool
