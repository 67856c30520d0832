// libedit's readline interface (BSD licence), loaded on first use; history in ~/.parlab_history.
#include "cli/lineedit.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "cli/complete.hpp"
#include "cli/libedit.hpp"
#include "cli/sigint.hpp"

namespace parlab::cli {
namespace {

constexpr int kHistoryLength = 1000;

std::string history_file() {
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.parlab_history" : std::string();
}

// The signal mask readline's reads wait under: SIGINT is blocked around readline() and let through
// only inside ppoll, so a Ctrl-C always ends the wait (no gap between checking and sleeping).
sigset_t wait_mask;
// The terminal opened a second time, non-blocking: a Ctrl-C can flush typed input between ppoll
// and read, and a blocking read would then wait with SIGINT blocked. fd 0 itself stays blocking
// (its flags are shared with the shell).
int input_fd = STDIN_FILENO;

void open_input() {
  const char* tty = ttyname(STDIN_FILENO);
  int fd = tty ? open(tty, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) : -1;
  if (fd >= 0) input_fd = fd;
}

// Runs the handler of a SIGINT that is pending (blocked); true if there was one.
bool sigint_pending() {
  sigset_t pending, block;
  sigpending(&pending);
  if (!sigismember(&pending, SIGINT)) return false;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_SETMASK, &wait_mask, nullptr);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  return true;
}

bool read_byte(unsigned char& byte) {
  for (;;) {
    if (sigint::prompt_interrupt_pending()) return false;
    pollfd p{input_fd, POLLIN, 0};
    if (ppoll(&p, 1, nullptr, &wait_mask) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (sigint_pending()) continue;  // came with the input: ppoll reported the input only
    ssize_t n = read(input_fd, &byte, 1);
    if (n == 1) return true;
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return false;  // end of input
  }
}

// libedit's rl_getc_function: one character as a code point (libedit stores it as a wchar_t).
int read_key(FILE*) {
  unsigned char b = 0;
  if (!read_byte(b)) return EOF;
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  if (MB_CUR_MAX == 1) extra = 0;
  int code = extra ? b & (0x3F >> extra) : b;
  for (; extra > 0; --extra) {
    if (!read_byte(b)) return EOF;
    code = (code << 6) | (b & 0x3F);
  }
  return code;
}

// libedit needs a multibyte locale to take UTF-8 input; use the user's, else C.UTF-8.
void use_utf8_locale() {
  if (!std::setlocale(LC_CTYPE, "") || MB_CUR_MAX == 1) std::setlocale(LC_CTYPE, "C.UTF-8");
}

// fgets for piped input; a Ctrl-C while waiting cancels the line.
LineResult read_plain(const char* prompt, std::string& line) {
  std::fputs(prompt, stdout);
  std::fflush(stdout);
  line.clear();
  char buf[4096];
  while (std::fgets(buf, sizeof buf, stdin)) {
    line += buf;
    if (!line.empty() && line.back() == '\n') break;
  }
  if (std::ferror(stdin) && sigint::take_prompt_interrupt()) {
    std::clearerr(stdin);
    return LineResult::kCancelled;
  }
  if (line.empty()) return LineResult::kEnd;
  if (line.back() == '\n') line.pop_back();
  return LineResult::kLine;
}

}  // namespace

LineEditor::LineEditor(lua_State* const* state)
    : terminal_(isatty(STDIN_FILENO) != 0), history_path_(history_file()) {
  if (!terminal_) return;
  std::string why;
  edit_ = libedit::load(why);
  if (!edit_) {
    std::fprintf(stderr, "parlab: line editing is off (%s)\n", why.c_str());
    return;
  }
  *edit_->catch_signals = 0;  // our SIGINT handler stays in place
  *edit_->getc_function = read_key;
  open_input();
  use_utf8_locale();
  edit_->initialize();
  edit_->using_history();
  edit_->stifle_history(kHistoryLength);
  if (!history_path_.empty()) edit_->read_history(history_path_.c_str());
  install_completion(state, *edit_);
}

LineResult LineEditor::read(const char* prompt, std::string& line) {
  if (!edit_) return read_plain(prompt, line);
  // A Ctrl-C that came just as the last statement ended is spent; end the line its "^C" echo began.
  if (sigint::take_prompt_interrupt()) std::fputs("\n", stdout);
  sigset_t sigint_set, old;
  sigemptyset(&sigint_set);
  sigaddset(&sigint_set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigint_set, &old);
  wait_mask = old;
  sigdelset(&wait_mask, SIGINT);
  char* text = edit_->readline(prompt);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  bool cancelled = sigint::take_prompt_interrupt();
  bool got = text != nullptr;
  if (got && !cancelled) line = text;
  std::free(text);
  if (cancelled) return LineResult::kCancelled;
  return got ? LineResult::kLine : LineResult::kEnd;
}

void LineEditor::remember(const std::string& entry) {
  if (!edit_ || entry.empty()) return;
  edit_->add_history(entry.c_str());
  if (!history_path_.empty()) edit_->write_history(history_path_.c_str());
}

}  // namespace parlab::cli
