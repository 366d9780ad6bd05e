"""The editor core: keystroke latency and opening a 100MB file, over the real protocol.

- Keystroke: ``symphony serve`` as a child process with a 100MB file open, scrolled to its
  middle; 300 consecutive ``insert`` notifications, each timed from sending it to
  receiving its ``update`` on the frontend's side of the pipe. p50 and p99 in ms, with
  wrapping off and on (40 columns: every line of the file wraps, computed in the
  background while the keystrokes run). Target: p99 <= 16 ms.
- Open: seconds from ``new_view`` to the first ``update``, over what Python takes to read
  and decode the same file (target: <= 3), and the core's peak RSS over the file size
  (target: <= 2; it includes the interpreter, about 40 MB).
- Document operations against textual's ``TextArea`` document (``textual.document.Document``),
  where they overlap: 300 single-character inserts in the middle of the 100MB text, each
  followed by reading the 50 lines a screen shows; and building the document from the
  decoded text. Ours goes through the buffer (selections, undo and the frontend update
  included), textual's through ``replace_range``/``get_line``.

``SYMPHONY_BENCH_MB`` sets the file size (default 100) for a quicker run.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ._editor_client import Core, big_file, percentile, read_decode_seconds

INSERTS = 300


class Keystroke:
    """Edit notification to update, through ``symphony serve`` on stdio."""

    params = [["symphony"], ["off", "40"]]
    param_names = ["impl", "wrap"]
    unit = "ms"
    limit = 16.0
    repeat = 1
    timeout = 900

    def setup(self, impl: str, wrap: str) -> None:
        self.core = Core()
        self.core.open(big_file())
        if wrap != "off":
            self.core.request("modify_user_config", {"domain": {"user_override": self.core.view_id},
                                                     "changes": {"word_wrap": True, "wrap_width": int(wrap)}})
        middle = 700_000 * int(os.environ.get("SYMPHONY_BENCH_MB", "100")) // 100
        self.core.edit("goto_line", {"line": middle})
        self.core.edit("scroll", [middle - 20, middle + 30])
        self.core.settle(0.05)
        for _ in range(20):  # warm up
            self.core.keystroke()
        self.samples = [self.core.keystroke("x" if i % 20 else "y") * 1e3 for i in range(INSERTS)]

    def teardown(self, impl: str, wrap: str) -> None:
        self.core.close()

    def track_keystroke_p50(self, impl: str, wrap: str) -> float:
        return percentile(self.samples, 0.50)

    def track_keystroke_p99(self, impl: str, wrap: str) -> float:
        return percentile(self.samples, 0.99)


class OpenFile:
    """First screen of a 100MB file, against reading and decoding it in Python."""

    params = ["symphony"]
    param_names = ["impl"]
    repeat = 1
    timeout = 900

    def setup(self, impl: str) -> None:
        path = big_file()
        read_decode_seconds(path)  # page cache warm for both
        self.yardstick = min(read_decode_seconds(path) for _ in range(3))
        self.core = Core()
        self.seconds = self.core.open(path)
        self.rss = self.core.peak_rss()
        self.size = os.path.getsize(path)

    def teardown(self, impl: str) -> None:
        self.core.close()

    def track_open_over_read_decode(self, impl: str) -> float:
        return self.seconds / self.yardstick
    track_open_over_read_decode.unit = "x"  # type: ignore[attr-defined]
    track_open_over_read_decode.limit = 3.0  # type: ignore[attr-defined]

    def track_open_seconds(self, impl: str) -> float:
        return self.seconds
    track_open_seconds.unit = "s"  # type: ignore[attr-defined]

    def track_peak_rss_over_size(self, impl: str) -> float:
        return self.rss / self.size
    track_peak_rss_over_size.unit = "x"  # type: ignore[attr-defined]
    track_peak_rss_over_size.limit = 2.0  # type: ignore[attr-defined]


class DocumentOps:
    """Insert-and-read-the-screen against textual's TextArea document."""

    params = ["symphony", "textual"]
    param_names = ["impl"]
    unit = "ms"
    repeat = 3
    interleave = False

    def setup(self, impl: str) -> None:
        with open(big_file(), encoding="utf-8") as f:
            text = f.read()
        self.middle = 700_000 * int(os.environ.get("SYMPHONY_BENCH_MB", "100")) // 100
        if impl == "symphony":
            from symphony.text.editor import Buffer

            self.buffer = Buffer(lambda method, params: None)
            self.buffer.rope = type(self.buffer.rope)(text)
            self.buffer.saved = self.buffer.rope
            self.buffer.add_view("v")
            self.buffer.command("v", "goto_line", {"line": self.middle})
            self.buffer.command("v", "scroll", [self.middle - 20, self.middle + 30])
        else:
            try:
                from textual.document._document import Document
            except ImportError:
                raise NotImplementedError from None
            self.document: Any = Document(text)
        del text

    def time_300_inserts_and_screen_reads(self, impl: str) -> None:
        if impl == "symphony":
            command = self.buffer.command
            for _ in range(INSERTS):
                command("v", "insert", {"chars": "x"})  # renders the changed screen lines too
        else:
            document = self.document
            row = self.middle
            for i in range(INSERTS):
                document.replace_range((row, i), (row, i), "x")
                for line in range(row - 20, row + 30):
                    document.get_line(line)

    def track_build_seconds(self, impl: str) -> float:
        with open(big_file(), encoding="utf-8") as f:
            text = f.read()
        t = time.perf_counter()
        if impl == "symphony":
            from symphony.text import Rope

            Rope(text)
        else:
            from textual.document._document import Document

            Document(text)
        return time.perf_counter() - t
    track_build_seconds.unit = "s"  # type: ignore[attr-defined]
