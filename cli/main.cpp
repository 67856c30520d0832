// parlab's command line: lua.c / luajit.c's options and order of work, then the REPL on a terminal.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bindings/core/module.hpp"
#include "cli/jitcmd.hpp"
#include "cli/lab.hpp"
#include "cli/options.hpp"
#include "cli/repl.hpp"
#include "cli/run.hpp"
#include "cli/sigint.hpp"
#include "cli/state.hpp"
#include "engine/exec/process_spawn.hpp"

namespace parlab::cli {
namespace {

int handle_luainit(lua_State* L) {
  const char* init = std::getenv("LUA_INIT");
  if (!init) return 0;
  if (init[0] == '@') return dofile(L, init + 1);
  return dostring(L, init, "=LUA_INIT");
}

// Runs -e, -l, -j and -O in the order given, up to the script.
int run_args(lua_State* L, char** argv, int stop) {
  for (int i = 1; i < stop; ++i) {
    const char* a = argv[i];
    if (std::strcmp(a, "--") == 0) break;
    char c = a[1];
    if (c != 'e' && c != 'l' && c != 'j' && c != 'O') continue;
    const char* value = a + 2;
    if (*value == '\0' && c != 'O') value = argv[++i];
    int status = c == 'e'   ? dostring(L, value, "=(command line)")
                 : c == 'l' ? dolibrary(L, value)
                 : c == 'j' ? dojitcmd(L, value)
                            : dojitopt(L, value);
    if (status != 0) return status;
  }
  return 0;
}

// -b[opt] args...: require("jit.bcsave").start("-opt", args...), as luajit.c's dobytecode.
int dobytecode(lua_State* L, char** argv) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "jit.bcsave");
  if (report(L, docall(L, 1, 1)) != 0) return 1;
  lua_getfield(L, -1, "start");
  lua_remove(L, -2);
  int n = 0;
  if (argv[0][2] != '\0') {  // "-bl": the saver's own "-l"
    lua_pushfstring(L, "-%s", argv[0] + 2);
    ++n;
  }
  for (char** a = argv + 1; *a; ++a, ++n) lua_pushstring(L, *a);
  return report(L, docall(L, n, 0));
}

int run(lua_State*& L, const CommandLine& cl) {
  const Options& o = cl.opts;
  if (o.version) print_version();
  int status = o.no_env ? 0 : handle_luainit(L);
  if (o.bytecode) return status != 0 ? status : dobytecode(L, cl.argv + o.bytecode);
  if (status == 0) status = run_args(L, cl.argv, o.script ? o.script : cl.argc);
  if (status == 0 && o.script) status = handle_script(L, cl.argv, o.script);
  if (status != 0) return status;
  if (o.interactive) return repl(L, cl);
  if (o.script || o.execute || o.version) return 0;
  if (isatty(STDIN_FILENO)) {
    print_version();
    return repl(L, cl);
  }
  return dofile(L, nullptr);
}

// Error: 1; interrupted by Ctrl-C: 130, as a shell reports a process ended by SIGINT.
int exit_status(int status) {
  if (status == 0) return 0;
  return status == kStateLost || sigint::presses() > 0 ? 130 : 1;
}

// "parlab lab args..." becomes "parlab <tour> args..."; false when the tour cannot be found.
bool expand_lab(std::vector<char*>& args, std::string& tour) {
  if (args.size() < 3 || std::strcmp(args[1], "lab") != 0) return true;
  tour = find_tour(args[0]);
  if (tour.empty()) return false;
  args[1] = tour.data();
  return true;
}

// --gil: the engine reads PARLAB_GIL once, when the program starts, so set it and start again.
void restart_with_gil(char** argv) {
  const char* now = std::getenv("PARLAB_GIL");
  if (now && std::strcmp(now, "1") == 0) return;
  setenv("PARLAB_GIL", "1", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then child processes still see it
}

}  // namespace
}  // namespace parlab::cli

int main(int argc, char** argv) {
  // A child started by the spawn method, or a spawned fork server: attach the parent's arena, run, exit.
  parlab::process::spawn::run_from_environment();  // returns at once in an ordinary run
  using namespace parlab::cli;
  std::vector<char*> args(argv, argv + argc + 1);  // keeps the terminating nullptr
  std::string tour;
  if (!expand_lab(args, tour)) return 1;
  CommandLine cl{argc, args.data(), {}};
  set_progname(argv[0]);  // messages start with the name as invoked, as luajit's do
  if (!parse_options(cl.argc, cl.argv, cl.opts)) {
    std::fprintf(stderr, "%s: ", progname());
    std::fprintf(stderr, cl.opts.problem, cl.opts.bad);  // NOLINT: the formats are ours
    std::fputs("\n", stderr);
    print_usage(true);
    return 1;
  }
  if (cl.opts.help) {
    print_usage(false);
    return 0;
  }
  if (cl.opts.gil) restart_with_gil(argv);
  sigint::install();
  lua_State* L = new_state(cl);
  if (!L) return 1;
  int status = run(L, cl);
  if (status == kStateLost)
    l_message("interrupted (a JIT-compiled loop ignored Ctrl-C; the Lua state was abandoned)");
  else
    parlab::lua::close_state(L);
  return exit_status(status);
}
