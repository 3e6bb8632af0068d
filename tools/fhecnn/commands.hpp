// Each subcommand lives in its own cmd_NAME.cpp and registers itself on the CLI11 app.
// A subcommand parses its flags into a typed options struct, then calls the library.
#pragma once

#include <CLI/CLI.hpp>

namespace fhecnn::tool {

void add_demo_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_plan_command(CLI::App& app);
// Add new subcommands here and call them from main.cpp.

}  // namespace fhecnn::tool
