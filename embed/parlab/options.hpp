#pragma once
// What an Interpreter may do: which libraries its scripts see and the limits it runs under. Two presets:
// Options::trusted() (everything, as the parlab command line has it) and Options::sandbox() (pure
// computation: no files, no processes, no FFI, no debug, no C modules, no parlab module).
#include <cstddef>

namespace parlab::embed {

struct Libraries {
  bool io = true;         // the io library, dofile, loadfile and require of .lua files from package.path
  bool os = true;         // all of os; when false only os.clock, os.time, os.date and os.difftime remain
  bool ffi = true;        // require "ffi": raw memory and C calls, so it can escape every other limit
  bool debug = true;      // the debug library
  bool jit = true;        // the jit library (jit.on, jit.off, jit.opt, ...)
  bool c_modules = true;  // package.loadlib and require of C modules from package.cpath
  bool bytecode = true;   // load/loadstring of precompiled chunks (crafted bytecode can crash the VM)
  bool parlab = true;     // the parlab module: threads, pools, processes (whose states have every
                          // library), queues, shared arrays (raw pointers), kernels, MPI
};

struct Limits {
  double seconds = 0;         // wall-clock limit of each run or call; 0: none. Turns the JIT compiler off.
  std::size_t memory = 0;     // bytes the Lua allocator may hold at once; 0: none
  int check_interval = 1000;  // Lua instructions between two clock reads while a time limit is set
};

struct Options {
  Libraries libraries;
  Limits limits;

  static Options trusted() { return {}; }
  static Options sandbox(double seconds = 0, std::size_t memory = 0) {
    Options o;
    o.libraries = {false, false, false, false, false, false, false, false};
    o.limits.seconds = seconds;
    o.limits.memory = memory;
    return o;
  }
};

}  // namespace parlab::embed
