// code_mappings::share_with_children (engine/exec/code_mappings.hpp): every private code mapping of a
// file gets one private page (so fork copies its page-table entries), the code still runs, and a
// forked child runs it too.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "engine/exec/code_mappings.hpp"

namespace {

// This process's private code mappings of files, and how many of them hold a private page.
struct CodeMappings {
  int count = 0;
  int with_private = 0;
};
CodeMappings code_mappings_now() {
  std::ifstream smaps("/proc/self/smaps");
  CodeMappings m;
  std::string line;
  bool code = false;
  while (std::getline(smaps, line)) {
    // A mapping's header: "start-end perms offset dev inode path".
    std::size_t dash = line.find('-'), space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find_first_not_of("0123456789abcdef") == dash) {
      code = line.compare(space + 1, 4, "r-xp") == 0 && line.find(" /") != std::string::npos;
      m.count += code;
    } else if (code && line.rfind("Anonymous:", 0) == 0) {
      m.with_private += std::stoi(line.substr(10)) > 0;
      code = false;
    }
  }
  return m;
}

int answer(int x) { return x * 6 + 1; }

}  // namespace

TEST_CASE("share_with_children gives every code mapping of a file a private page, and code still runs") {
  int changed = parlab::code_mappings::share_with_children();
  CodeMappings m = code_mappings_now();
  REQUIRE(m.count >= 2);  // this test program and libc at least
  CHECK(changed == m.count);
  CHECK(m.with_private == m.count);
  CHECK(answer(7) == 43);
  pid_t pid = fork();
  if (pid == 0) _exit(answer(7) == 43 ? 0 : 1);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(parlab::code_mappings::share_with_children() == m.count);  // again: harmless
}
