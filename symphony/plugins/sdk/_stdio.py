"""A line reader on a file descriptor that another thread can stop.

The peer reads the core's lines on a daemon thread. Once the plugin is told ``shutdown``, that
thread may still wait in a read of stdin; a ``sys.stdin`` blocked that way makes the
interpreter abort at exit (it cannot take the stream's lock). This reader waits with ``poll``
on the descriptor and on a pipe of its own, so :meth:`StoppableReader.stop` ends the wait: the
read returns end of input and the thread finishes.
"""

from __future__ import annotations

import os
import select

__all__ = ["StoppableReader"]


class StoppableReader:
    """``readline`` over file descriptor ``fd`` (not closed here), until :meth:`stop`."""

    def __init__(self, fd: int, bufsize: int = 1 << 16) -> None:
        self._fd = fd
        self._bufsize = bufsize
        self._buf = bytearray()
        self._wake_r, self._wake_w = os.pipe()
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        self._poll.register(self._wake_r, select.POLLIN)
        self._eof = False
        self._stopped = False

    def readline(self, limit: int = -1) -> bytes:
        """The next line (with its ``\\n``), at most ``limit`` bytes; ``b""`` at the end of input or once stopped."""
        buf = self._buf
        while True:
            end = buf.find(b"\n")
            if end >= 0 and (limit < 0 or end < limit):
                return self._take(end + 1)
            if 0 <= limit <= len(buf):
                return self._take(limit)
            if self._eof or self._stopped:
                return self._take(len(buf)) if not self._stopped else b""
            ready = dict(self._poll.poll())
            if self._wake_r in ready:
                self._stopped = True
                continue
            try:
                data = os.read(self._fd, self._bufsize)
            except InterruptedError:
                continue
            except OSError:
                data = b""
            if not data:
                self._eof = True
            buf += data

    def _take(self, n: int) -> bytes:
        line = bytes(self._buf[:n])
        del self._buf[:n]
        return line

    def stop(self) -> None:
        """End the current and every later :meth:`readline` (they return ``b""``)."""
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    def close(self) -> None:
        """Release the wake-up pipe (after the reading thread is done)."""
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
