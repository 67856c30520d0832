#pragma once
// The command line, parsed as luajit.c's collectargs does: options up to the script name, which
// ends them; -e/-l/-j/-O run later in their order (run.cpp's run_args).

namespace parlab::cli {

struct Options {
  int script = 0;                 // argv index of the script ("-" for stdin); 0 when there is none
  bool interactive = false;       // -i
  bool version = false;           // -v (also implied by -i)
  bool execute = false;           // some -e was given
  bool no_env = false;            // -E
  bool help = false;              // --help, -h
  bool gil = false;               // --gil
  int bytecode = 0;               // argv index of -b (luajit's bytecode saver gets the rest); 0: none
  const char* bad = nullptr;      // the offending argument when parsing failed
  const char* problem = nullptr;  // why it failed: a format with one %s for bad
};

// Parses argv[1..]; on failure sets bad and problem and returns false.
bool parse_options(int argc, char** argv, Options& opts);

// The usage text: to stdout for --help, to stderr after a bad option.
void print_usage(bool to_stderr);

// The version line printed by -v and at the top of the REPL.
void print_version();

}  // namespace parlab::cli
