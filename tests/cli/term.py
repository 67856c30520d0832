"""A small pseudo-terminal driver for the CLI tests (like pexpect, standard library only)."""
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import fcntl
import time

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r|\x07|\x08")


def clean(data):
    """Terminal output without escape sequences and carriage returns, as text."""
    return ANSI.sub(b"", data).decode("utf-8", "replace")


class Timeout(Exception):
    pass


class Term:
    """Runs argv on a fresh pty; send() types, expect() waits for a pattern in the cleaned output."""

    def __init__(self, argv, env=None, cwd=None, rows=24, cols=100):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                if cwd:
                    os.chdir(cwd)
                os.execve(argv[0], argv, env if env is not None else os.environ)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.raw = b""      # everything read so far
        self.pos = 0        # cleaned text before this index has been consumed by expect()
        self.status = None

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            raise EOFError
        self.raw += data
        return True

    def text(self):
        return clean(self.raw)

    def send(self, s):
        os.write(self.fd, s.encode() if isinstance(s, str) else s)

    def sendline(self, s=""):
        self.send(s + "\r")

    def expect(self, pattern, timeout=5.0):
        """Waits until pattern (a regex) matches the cleaned output after the last match; returns the match."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.text(), self.pos)
            if m:
                self.pos = m.end()
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise Timeout("no %r in %r" % (pattern, self.text()[self.pos:][-600:]))
            try:
                self._read(min(left, 0.1))
            except EOFError:
                m = rx.search(self.text(), self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise Timeout("EOF before %r in %r" % (pattern, self.text()[self.pos:][-600:]))

    def drain(self, seconds=0.2):
        """Reads whatever arrives within seconds."""
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                self._read(max(0, end - time.monotonic()))
        except EOFError:
            pass

    def interrupt(self):
        self.send(b"\x03")

    def wait(self, timeout=5.0):
        """Waits for the child to exit (draining output); returns its exit status (128+N for signal N)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                if self.status < 0:
                    self.status = 128 - self.status
                self.drain(0.05)
                return self.status
            try:
                self._read(0.05)
            except EOFError:
                time.sleep(0.01)
        raise Timeout("process still running: %r" % self.text()[-600:])

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.status = -9
        os.close(self.fd)
