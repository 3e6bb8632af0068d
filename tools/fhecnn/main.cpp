// fhecnn command line: prints "error: <message>" and exits non-zero on any failure.
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "common/memory.hpp"

int main(int argc, char** argv) {
  fhecnn::tune_allocator_for_large_buffers();
  CLI::App app{"fhecnn: private CNN inference on fully homomorphic encryption (RNS-CKKS)"};
  fhecnn::tool::add_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
