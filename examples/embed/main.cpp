// A C++ host embedding parlab (docs/embedding.md): a trusted interpreter that runs a script file and
// calls its functions with C++ numbers, strings and a shared array; a C++ function the script calls; a
// script error as a C++ exception; then untrusted snippets in sandboxes with a time and a memory limit.
// Exits 0 when every step behaved as described, 1 otherwise.
//   embed_example path/to/stats.lua
#include <parlab/parlab.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace pe = parlab::embed;

namespace {

bool expect(bool ok, const char* what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  return ok;
}

bool trusted(const char* script) {
  pe::Interpreter lua;  // the standard libraries and the parlab module
  lua.register_function("scale", [](const pe::Values& args) -> pe::Values {
    return {args.at(0).as_number() / args.at(1).as_number()};
  });
  lua.run_file(script);
  pe::Values r = lua.call_with("describe", "temperatures", std::vector<double>{20.5, 22.0, 23.5});
  bool ok = expect(r[0].as_string() == "temperatures: 3 values" && r[1].as_number() == 22.0, "describe()");

  pe::Array a = lua.new_array(4);  // shared: no copy either way
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = double(i + 1);
  double total = lua.call_with("normalize", a)[0].as_number();
  ok &= expect(total == 10 && a[3] == 0.4, "normalize() wrote into the C++ array");

  try {
    lua.run_string("local t = nil\nreturn t.field", "@snippet.lua");
    ok &= expect(false, "a script error throws");
  } catch (const pe::Error& e) {
    std::printf("     caught: %s (at %s)\n", e.what(), e.location().c_str());
    ok &= expect(e.location() == "snippet.lua:2", "the error names the script's line");
  }
  return ok;
}

bool sandboxed() {
  bool ok = true;
  {
    pe::Interpreter box(pe::Options::sandbox(0.5));  // 0.5 s per run, no io/os.execute/ffi/debug/...
    try {
      box.run_string("while true do end");
    } catch (const pe::Error& e) {
      ok &= expect(e.kind() == pe::ErrorKind::TimeLimit, "a runaway loop is stopped");
    }
    ok &=
        expect(box.run_string("return io == nil and os.execute == nil")[0].as_bool(), "no io, no os.execute");
  }
  pe::Interpreter small(pe::Options::sandbox(0, 16u << 20));  // 16 MiB for the script's allocations
  try {
    small.run_string("local t = {} while true do t[#t + 1] = {} end");
  } catch (const pe::Error& e) {
    ok &= expect(e.kind() == pe::ErrorKind::Memory, "a memory hog gets \"not enough memory\"");
  }
  ok &= expect(small.run_string("return 1 + 1")[0].as_number() == 2, "and the interpreter runs on");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s stats.lua\n", argv[0]);
    return 2;
  }
  try {
    bool ok = trusted(argv[1]);
    ok &= sandboxed();
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_example: %s\n", e.what());
    return 1;
  }
}
