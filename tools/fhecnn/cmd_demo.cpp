// `fhecnn demo`: a short CKKS round trip (placeholder until the CKKS evaluator lands).
#include <iostream>

#include "commands.hpp"

namespace fhecnn::tool {

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "encrypt a vector, multiply, rotate, decrypt, report precision");
  cmd->callback([] { std::cout << "demo: CKKS evaluator not built yet\n"; });
}

}  // namespace fhecnn::tool
