#pragma once
// What lua_thread.cpp (the Thread object) and lua_thread_children.cpp (what a closing state does with the
// threads it started) share: a thread's record, and the calls each side makes on the other's.
#include <lua.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bindings/worker/thread_stop.hpp"
#include "engine/exec/thread.hpp"

namespace parlab::lua::threads {

struct Record {
  std::string name;
  std::string input;  // encoded fn, args...
  std::unique_ptr<Thread> thread;
  std::mutex mu;
  bool ok = false;
  std::string output;     // encoded results, or the error message with its traceback
  bool observed = false;  // join saw the outcome
  bool orphaned = false;  // the Thread object is gone: the thread reports its own error
  bool reported = false;
  bool daemon = false;  // the program's end stops it instead of waiting for it
  StopPoint stop;       // terminate() asks the thread to stop through it (bindings/worker/thread_stop.hpp)
};
using RecordPtr = std::shared_ptr<Record>;

// Threads a state started and has not yet seen finish; closing the state joins them.
struct Children {
  std::mutex mu;
  std::vector<RecordPtr> list;

  void add(RecordPtr r) {
    std::lock_guard<std::mutex> hold(mu);
    std::erase_if(list, [](const RecordPtr& c) { return c->thread->finished(); });
    list.push_back(std::move(r));
  }
};
using ChildrenPtr = std::shared_ptr<Children>;

// The state's list of the threads it started (made on first use; closing the state joins them).
ChildrenPtr state_children(lua_State* L);
// Registers the metatable of that list (from open_thread).
void open_children(lua_State* L);

// In lua_thread.cpp:
// Asks r's thread to stop until it has, for at most about a second (Thread:terminate()'s promise).
void stop_thread(Record& r, bool closing);
// Reports on stderr the error of a finished thread nobody joined (once). Called with r.mu held.
void report_locked(Record& r);

}  // namespace parlab::lua::threads
