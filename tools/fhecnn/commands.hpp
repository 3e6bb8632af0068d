// Each subcommand lives in its own cmd_NAME.cpp and registers itself on the CLI11 app.
// A subcommand parses its flags into a typed options struct, then calls the library.
// Everything but main.cpp is the library fhecnn_cli, so tests run the command line in-process.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace fhecnn::tool {

void add_decrypt_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_encrypt_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_infer_command(CLI::App& app);
void add_keygen_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_run_command(CLI::App& app);
// Add new subcommands here and register them in add_commands (commands.cpp).

// The fhecnn app with every subcommand registered.
void add_commands(CLI::App& app);

// Parses `args` (without the program name) on a fresh app and runs the subcommand. Throws
// CLI::ParseError for bad flags and what the subcommand throws (fhecnn::Error and others).
void run_command_line(const std::vector<std::string>& args);

}  // namespace fhecnn::tool
