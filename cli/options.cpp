// Command-line parsing with luajit.c's rules: the first non-option is the script, "--" ends options,
// "-" is the script read from stdin, and -e/-l/-j take the next word when nothing is attached.
#include "cli/options.hpp"

#include <luajit.h>

#include <cstdio>
#include <cstring>

namespace parlab::cli {
namespace {

bool fail(Options& opts, const char* arg, const char* problem) {
  opts.bad = arg;
  opts.problem = problem;
  return false;
}

// -e CODE, -l NAME, -j CMD: the value is attached (-lfoo) or the next argument.
bool takes_value(char c) { return c == 'e' || c == 'l' || c == 'j'; }

bool parse_long(const char* arg, Options& opts) {
  if (std::strcmp(arg, "--help") == 0) return opts.help = true;
  if (std::strcmp(arg, "--gil") == 0) return opts.gil = true;
  return fail(opts, arg, "unrecognized option '%s'");
}

}  // namespace

bool parse_options(int argc, char** argv, Options& opts) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (a[0] != '-') return opts.script = i, true;
    if (a[1] == '\0') return opts.script = i, true;  // "-": the script is stdin
    if (a[1] == '-') {
      if (a[2] == '\0') return opts.script = i + 1 < argc ? i + 1 : 0, true;
      if (!parse_long(a, opts)) return false;
      continue;
    }
    if (a[1] == 'b') {  // luajit's -b: the saver takes every later argument; it must come first
      if (i != 1) return fail(opts, a, "'%s' must be the first option (it takes the rest of the line)");
      return opts.bytecode = i, true;
    }
    if (takes_value(a[1])) {
      if (a[1] == 'e') opts.execute = true;
      if (a[2] == '\0' && ++i >= argc) return fail(opts, a, "'%s' needs an argument");
      continue;
    }
    if (a[1] == 'O') continue;  // -O[opt]: the value is always attached
    if (a[2] != '\0') return fail(opts, a, "unrecognized option '%s'");
    switch (a[1]) {
      case 'i': opts.interactive = opts.version = true; break;
      case 'v': opts.version = true; break;
      case 'E': opts.no_env = true; break;
      case 'h': opts.help = true; break;
      default: return fail(opts, a, "unrecognized option '%s'");
    }
  }
  return true;
}

void print_usage(bool to_stderr) {
  std::FILE* out = to_stderr ? stderr : stdout;
  std::fputs(
      "usage: parlab [options]... [script [args]...]\n"
      "       parlab lab [args]...   run the lecture tour (scripts/tour.lua)\n"
      "Available options are:\n"
      "  -e chunk  Execute string 'chunk'.\n"
      "  -l name   Require library 'name' into global 'name'.\n"
      "  -b ...    Save or list bytecode (luajit -b; parlab -b alone lists its options).\n"
      "  -j cmd    Perform LuaJIT control command (-j off, -j on, -j flush, -jv, ...).\n"
      "  -O[opt]   Control LuaJIT optimizations.\n"
      "  -i        Enter interactive mode after executing 'script'.\n"
      "  -v        Show version information.\n"
      "  -E        Ignore environment variables (LUA_INIT, LUA_PATH, LUA_CPATH).\n"
      "  --gil     Run with a global interpreter lock, as CPython does (sets PARLAB_GIL=1).\n"
      "  -h        Show this help (also --help).\n"
      "  --        Stop handling options.\n"
      "  -         Execute stdin and stop handling options.\n"
      "With no script, parlab opens the REPL on a terminal and reads the script from stdin otherwise.\n",
      out);
}

void print_version() {
  std::printf("parlab %s -- %s -- %s\n", PARLAB_VERSION, LUAJIT_VERSION, LUAJIT_URL);
  std::fflush(stdout);
}

}  // namespace parlab::cli
