#pragma once
// libedit's readline interface, loaded on the REPL's first line on a terminal rather than linked: a
// script never maps libedit and the three libraries it needs (about 30 page faults and their
// relocations at every start). Only the entry points the REPL uses are looked up.
#include <editline/readline.h>

#include <string>

namespace parlab::cli::libedit {

// Pointers into the loaded library; each has the type of the readline.h declaration it stands for.
struct Api {
  decltype(&::readline) readline;
  decltype(&::rl_initialize) initialize;
  decltype(&::using_history) using_history;
  decltype(&::stifle_history) stifle_history;
  decltype(&::read_history) read_history;
  decltype(&::write_history) write_history;
  decltype(&::add_history) add_history;
  decltype(&::rl_completion_matches) completion_matches;
  decltype(&::rl_catch_signals) catch_signals;
  decltype(&::rl_getc_function) getc_function;
  decltype(&::rl_attempted_completion_over) attempted_completion_over;
  decltype(&::rl_attempted_completion_function) attempted_completion_function;
  decltype(&::rl_basic_word_break_characters) basic_word_break_characters;
  decltype(&::rl_completer_word_break_characters) completer_word_break_characters;
  decltype(&::rl_completion_append_character) completion_append_character;
};

// Loads libedit once (PARLAB_LIBEDIT names another file, else libedit.so.2); nullptr if it cannot be
// loaded or lacks an entry point, with the reason in `why`.
const Api* load(std::string& why);

}  // namespace parlab::cli::libedit
