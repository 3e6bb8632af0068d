#include "commands.hpp"

#include <algorithm>

namespace fhecnn::tool {

void add_commands(CLI::App& app) {
  app.require_subcommand(1);
  add_demo_command(app);
  add_plan_command(app);
  add_eval_command(app);
  add_keygen_command(app);
  add_encrypt_command(app);
  add_infer_command(app);
  add_decrypt_command(app);
  add_run_command(app);
}

void run_command_line(const std::vector<std::string>& args) {
  CLI::App app{"fhecnn"};
  add_commands(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  app.parse(reversed);
}

}  // namespace fhecnn::tool
