// The C++ embedding API (embed/, #include <parlab/parlab.hpp>) against the build tree's libparlab.so:
// running code, calling functions with numbers, strings and arrays, C++ functions called from Lua, errors
// as exceptions with file:line and traceback, and the sandbox: libraries taken away, a time limit that
// stops runaway loops, a memory limit the host survives.
#include <catch2/catch.hpp>
#include <parlab/parlab.hpp>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

using namespace parlab::embed;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

ErrorKind kind_of_failure(Interpreter& in, const std::string& code) {
  try {
    in.run_string(code, "=probe");
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("the code ran without an error: " << code);
  return ErrorKind::File;
}

}  // namespace

TEST_CASE("run a string and get its results") {
  Interpreter in;
  Values r = in.run_string("return 1 + 2, 'two', true, nil, {1.5, 2.5}");
  REQUIRE(r.size() == 5);
  CHECK(r[0].as_number() == 3);
  CHECK(r[1].as_string() == "two");
  CHECK(r[2].as_bool());
  CHECK(r[3].is_nil());
  CHECK(r[4].as_numbers() == std::vector<double>{1.5, 2.5});
  CHECK_THROWS_AS(r[0].as_string(), std::invalid_argument);
  CHECK(in.run_string("return parlab ~= nil and parlab.Thread ~= nil")[0].as_bool());
}

TEST_CASE("call a Lua function with C++ values") {
  Interpreter in;
  in.run_string(
      "lib = {} function lib.describe(n, s, xs) local t = 0 for _, x in ipairs(xs) do t = t + x end "
      "return s .. ':' .. n, t end");
  Values r = in.call_with("lib.describe", 7, "seven", std::vector<double>{1, 2, 3});
  CHECK(r[0].as_string() == "seven:7");
  CHECK(r[1].as_number() == 6);
  CHECK_THROWS_WITH(in.call("lib.nothing"), Catch::Contains("lib.nothing is not a function (a nil value)"));
  in.set_global("answer", 42);
  CHECK(in.global("answer").as_number() == 42);
}

TEST_CASE("parlab arrays are shared with C++, not copied") {
  Interpreter in;
  Array a = in.new_array(100);
  REQUIRE(a.size() == 100);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = double(i);
  in.run_string(
      "function double_all(a) for i = 0, a.len - 1 do a[i] = 2 * a[i] end return parlab.kernels.sum(a) end");
  Values r = in.call_with("double_all", a);
  CHECK(r[0].as_number() == 2 * 99 * 100 / 2);
  CHECK(a[99] == 198);  // written by Lua, seen by C++
  Array b = in.run_string("local b = parlab.array('f64', 3); b[2] = 5; return b")[0].as_array();
  CHECK(b.size() == 3);
  CHECK(b[2] == 5);
  Interpreter other;
  CHECK_THROWS_WITH(other.call_with("print", a), Catch::Contains("another Interpreter"));
}

TEST_CASE("a registered C++ function is called from Lua; its exception is a Lua error at the line") {
  Interpreter in;
  in.register_function("hypot", [](const Values& args) -> Values {
    if (args.size() != 2) throw std::invalid_argument("hypot: expected 2 numbers");
    double x = args[0].as_number(), y = args[1].as_number();
    return {std::sqrt(x * x + y * y)};
  });
  CHECK(in.run_string("return hypot(3, 4)")[0].as_number() == 5);
  Values caught = in.run_string("local ok, e = pcall(hypot, 1)\nreturn ok, e", "@calc.lua");
  CHECK_FALSE(caught[0].as_bool());
  CHECK(caught[1].as_string() == "calc.lua:1: hypot: expected 2 numbers");
  try {
    in.run_string("local x = 1\nlocal h = hypot('a', 'b')\nreturn h", "@calc.lua");  // not a tail call
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Runtime);
    CHECK(e.location() == "calc.lua:2");
    CHECK(std::string(e.what()) == "calc.lua:2: parlab::embed::Value: expected number, got string");
  }
}

TEST_CASE("errors carry the kind, file:line and the traceback") {
  Interpreter in;
  try {
    in.run_string(
        "local function inner() error('deep trouble') end\nlocal function outer() inner() end\nouter()",
        "@job.lua");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Runtime);
    CHECK(std::string(e.what()) == "job.lua:1: deep trouble");
    CHECK(e.location() == "job.lua:1");
    CHECK(e.traceback().find("stack traceback:") != std::string::npos);
    CHECK(e.traceback().find("job.lua:2: in function 'outer'") != std::string::npos);
  }
  CHECK(kind_of_failure(in, "return 1 +") == ErrorKind::Syntax);
  CHECK(kind_of_failure(in, "error(setmetatable({}, {__tostring = function() return 'object' end}))") ==
        ErrorKind::Runtime);
  try {
    in.run_string("error(setmetatable({}, {__tostring = function() return 'an object' end}))");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "an object");
  }
  CHECK_THROWS_AS(in.run_file("/nonexistent/script.lua"), Error);
  CHECK(in.run_string("return 'still fine'")[0].as_string() == "still fine");
}

TEST_CASE("the sandbox takes libraries away") {
  Interpreter box(Options::sandbox());
  const char* gone[] = {"io", "debug", "jit", "ffi", "parlab", "dofile", "loadfile"};
  for (const char* name : gone) {
    INFO(name);
    CHECK(box.run_string(std::string("return ") + name + " == nil")[0].as_bool());
  }
  CHECK(box.run_string("return os.execute == nil and os.getenv == nil and os.exit == nil")[0].as_bool());
  CHECK(box.run_string("return type(os.clock()) == 'number'")[0].as_bool());
  CHECK(box.run_string("return package.loadlib == nil and #package.loaders == 1")[0].as_bool());
  CHECK(box.run_string("return (pcall(require, 'ffi'))")[0].as_bool() == false);
  CHECK(box.run_string("return (pcall(require, 'jit.util'))")[0].as_bool() == false);
  Values r = box.run_string("return load(string.dump(function() return 1 end))");
  CHECK(r[0].is_nil());
  CHECK(r[1].as_string().find("wrong mode") != std::string::npos);
  CHECK(box.run_string("return loadstring('return 7')()")[0].as_number() == 7);
  CHECK_THROWS_AS(box.run_string("\x1bLJ"), Error);
  CHECK_THROWS_AS(box.new_array(3), std::invalid_argument);
}

TEST_CASE("options that cannot hold are refused") {
  Options o = Options::sandbox(1.0);
  o.libraries.jit = true;
  CHECK_THROWS_AS(Interpreter(o), std::invalid_argument);
  Options p = Options::trusted();
  p.libraries.bytecode = false;
  CHECK_THROWS_AS(Interpreter(p), std::invalid_argument);
}

TEST_CASE("a runaway loop is stopped by the time limit; the interpreter and a fresh one run on") {
  Interpreter box(Options::sandbox(0.2));
  const char* loops[] = {
      "while true do end",
      "local x = 0 for i = 1, math.huge do x = x + i % 7 end",             // a loop the JIT would compile
      "while true do pcall(function() while true do end end) end",         // catches the limit's error
      "local co = coroutine.wrap(function() while true do end end) co()",  // in a coroutine
      "while true do local ok = coroutine.resume(coroutine.create(function() while true do end end)) end",
  };
  for (const char* code : loops) {
    INFO(code);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(kind_of_failure(box, code) == ErrorKind::TimeLimit);
    double took = seconds_since(t0);
    CHECK(took >= 0.2);
    CHECK(took < 5.0);
    CHECK(box.run_string("return 6 * 7")[0].as_number() == 42);  // the same interpreter runs on
  }
  Interpreter fresh(Options::sandbox(0.2));
  CHECK(fresh.run_string("local s = 0 for i = 1, 1000 do s = s + i end return s")[0].as_number() == 500500);
}

TEST_CASE("the memory limit refuses the script, not the host") {
  Interpreter box(Options::sandbox(0, 8u << 20));
  try {
    box.run_string("local t = {} for i = 1, 1e8 do t[i] = i end");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Memory);
    CHECK(std::string(e.what()) == "not enough memory");
  }
  CHECK(box.memory_used() <= (8u << 20));
  Values r = box.run_string("local ok, e = pcall(string.rep, 'x', 64 * 1024 * 1024) return ok, e");
  CHECK_FALSE(r[0].as_bool());
  CHECK(r[1].as_string() == "not enough memory");
  CHECK(box.run_string("collectgarbage() return #string.rep('y', 1000)")[0].as_number() == 1000);
  std::vector<double> big(100000, 1.0);
  CHECK(box.call_with("select", "#", big)[0].as_number() == 1);  // the host's own values are not refused
}

TEST_CASE("scripts in an embedding program start processes with every start method") {
  Interpreter in;
  Array a = in.new_array(3);
  in.run_string(R"(
    function fill(a)
      for i, m in ipairs({ "fork", "spawn", "forkserver" }) do
        local p = parlab.Process { target = function(arr, k) arr[k] = 10 * k end, args = { a, i - 1 },
                                   start_method = m }
        p:start()
        assert(p:join() and p.exitcode == 0, m)
      end
    end)");
  in.call_with("fill", a);
  CHECK(a[0] == 0);
  CHECK(a[1] == 10);
  CHECK(a[2] == 20);
}

TEST_CASE("a host function that calls back into the interpreter does not reset or lift the time limit") {
  Interpreter box(Options::sandbox(0.3));
  Interpreter* self = &box;
  box.register_function("callback", [self](const Values&) { return self->call("inner"); });
  box.run_string("function inner() return 1 end");
  auto t0 = std::chrono::steady_clock::now();
  CHECK(kind_of_failure(box, "while true do callback() end") == ErrorKind::TimeLimit);
  CHECK(seconds_since(t0) < 5.0);
}
