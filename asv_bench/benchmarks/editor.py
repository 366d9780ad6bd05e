"""The editor core: keystroke latency and opening a 100MB file, over the real protocol.

- Keystroke: the core as a child process with a 10MB file of 86-character lines open,
  scrolled to its middle; 300 consecutive ``insert`` notifications, each timed from sending
  it to receiving its ``update`` on the frontend's side of the pipe. p50 and p99 in ms,
  with wrapping off and on (40 columns: every line of the file wraps, computed in the
  background). The peer is the real xi-core, driven by the same client, when its binary
  is found (``$SYMPHONY_XI_CORE``, else ``/tmp/xi/xi-core``; otherwise its rows are
  skipped). Target: p99 within 2x of xi-core's.
- KeystrokeLongLine: the same in the middle of a single 10MB line, wrapped at 80 columns.
- Open: seconds from ``new_view`` to the first ``update``, over what Python takes to read
  and decode the same file (target: <= 3), and the core's peak RSS over the file size
  (target: <= 2; it includes the interpreter, about 40 MB).
- Document operations against textual's ``TextArea`` document (``textual.document.Document``,
  a list of lines), where they overlap: 300 edits in the middle of the 100MB text (a
  character, a line break, a 300-line paste), each followed by reading the 50 lines a
  screen shows; and building the document from the decoded text. ``EditorInsert`` times
  our whole buffer path for the same typing, for scale.

``SYMPHONY_BENCH_MB`` sets the file size (default 100) for a quicker run.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ._editor_client import (Core, big_file, lines_file, long_line_file, middle_line, percentile, read_decode_seconds,
                             xi_core_path)

INSERTS = 300


def start_core(impl: str) -> Core:
    """``symphony serve``, or the real xi-core (NotImplementedError, which asv reports as
    skipped, when its binary is not there)."""
    if impl == "symphony":
        return Core()
    path = xi_core_path()
    if path is None:
        raise NotImplementedError("no xi-core binary (set SYMPHONY_XI_CORE)")
    return Core([path])


class Keystroke:
    """Edit notification to update, through ``symphony serve`` and xi-core on stdio."""

    params = [["symphony", "xi-core"], ["off", "40"]]
    param_names = ["impl", "wrap"]
    unit = "ms"
    repeat = 1
    timeout = 900

    def setup(self, impl: str, wrap: str) -> None:
        self.core = start_core(impl)
        path = lines_file(int(os.environ.get("SYMPHONY_BENCH_KEYSTROKE_MB", "10")), 86)
        self.core.open(path)
        if wrap != "off":
            self.core.configure({"wrap_width": int(wrap)})
        middle = middle_line(path)
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
    track_keystroke_p99.target = 2.0  # type: ignore[attr-defined]


class KeystrokeLongLine:
    """Typing in the middle of one 10MB line, through ``symphony serve``, wrapped at 80
    columns (the line wrapped in the background first, then re-wrapped around each edit).
    Without wrapping the protocol itself sends the whole 10MB line on every change to it
    (as xi-core does), so that case is not a latency target."""

    params = [["symphony", "xi-core"], ["80"]]
    param_names = ["impl", "wrap"]
    unit = "ms"
    repeat = 1
    timeout = 900

    def setup(self, impl: str, wrap: str) -> None:
        self.core = start_core(impl)
        self.core.open(long_line_file())
        self.core.configure({"wrap_width": int(wrap)})
        self.core.settle(1.0)  # the first background wrap of the line
        self.core.edit("scroll", [60_000, 60_050])
        self.core.edit("gesture", {"line": 60_010, "col": 5, "ty": "point_select"})
        self.core.settle(0.05)
        for _ in range(20):
            self.core.keystroke()
        self.samples = [self.core.keystroke("x" if i % 7 else " ") * 1e3 for i in range(INSERTS)]

    def teardown(self, impl: str, wrap: str) -> None:
        self.core.close()

    def track_keystroke_p50(self, impl: str, wrap: str) -> float:
        return percentile(self.samples, 0.50)

    def track_keystroke_p99(self, impl: str, wrap: str) -> float:
        return percentile(self.samples, 0.99)
    track_keystroke_p99.target = 2.0  # type: ignore[attr-defined]


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
    """Document operations against textual's TextArea document, where they overlap.

    Each op runs 300 times in the middle of the text, each followed by reading the 50 lines
    a screen shows: ``type`` inserts one character, ``newline`` inserts a line break (the
    document gains a line), ``paste`` inserts 20 KB of 300 lines. Ours is the rope
    (``insert`` at an offset found with ``offset_of_line``; the screen read with one slice,
    as the view renders); textual's is ``Document.replace_range`` and ``get_line``.
    """

    params = [["symphony", "textual"], ["type", "newline", "paste"]]
    param_names = ["impl", "op"]
    unit = "ms"
    repeat = 3
    interleave = False

    def setup(self, impl: str, op: str) -> None:
        with open(big_file(), encoding="utf-8") as f:
            text = f.read()
        self.middle = 700_000 * int(os.environ.get("SYMPHONY_BENCH_MB", "100")) // 100
        self.piece = {"type": "x", "newline": "\n", "paste": "pasted line of text, 60 characters or so......\n" * 300}[op]
        if impl == "symphony":
            from symphony.text import Rope

            self.rope = Rope(text)
        else:
            try:
                from textual.document._document import Document
            except ImportError:
                raise NotImplementedError from None
            self.document: Any = Document(text)
        del text

    def time_300_edits_and_screen_reads(self, impl: str, op: str) -> None:
        row = self.middle
        piece = self.piece
        if impl == "symphony":
            rope = self.rope
            for i in range(INSERTS):
                rope = rope.insert(rope.offset_of_line(row) + i % 40, piece)
                a = rope.offset_of_line(row - 20)
                rope[a:rope.offset_of_line(row + 30)].split("\n")
        else:
            document = self.document
            for i in range(INSERTS):
                document.replace_range((row, i % 40), (row, i % 40), piece)
                for line in range(row - 20, row + 30):
                    document.get_line(line)



class DocumentBuild:
    """Building the document from the decoded 100MB text: the rope against textual's."""

    params = ["symphony", "textual"]
    param_names = ["impl"]
    repeat = 3
    interleave = False

    def setup(self, impl: str) -> None:
        if impl == "textual":
            try:
                from textual.document._document import Document  # noqa: F401
            except ImportError:
                raise NotImplementedError from None
        with open(big_file(), encoding="utf-8") as f:
            self.text = f.read()

    def track_build_seconds(self, impl: str) -> float:
        t = time.perf_counter()
        if impl == "symphony":
            from symphony.text import Rope

            Rope(self.text)
        else:
            from textual.document._document import Document

            Document(self.text)
        return time.perf_counter() - t
    track_build_seconds.unit = "s"  # type: ignore[attr-defined]


class EditorInsert:
    """Ours only: the same 300 typed characters through the buffer (selections, undo and
    rendering the frontend update included), for scale against ``DocumentOps``."""

    params = ["symphony"]
    param_names = ["impl"]
    unit = "ms"
    repeat = 3

    def setup(self, impl: str) -> None:
        from symphony.text import Rope
        from symphony.text.editor import Buffer

        with open(big_file(), encoding="utf-8") as f:
            rope = Rope(f.read())
        middle = 700_000 * int(os.environ.get("SYMPHONY_BENCH_MB", "100")) // 100
        self.buffer = Buffer(lambda method, params: None)
        self.buffer.rope = self.buffer.saved = rope
        self.buffer.add_view("v")
        self.buffer.command("v", "goto_line", {"line": middle})
        self.buffer.command("v", "scroll", [middle - 20, middle + 30])

    def time_300_typed_characters(self, impl: str) -> None:
        command = self.buffer.command
        for _ in range(INSERTS):
            command("v", "insert", {"chars": "x"})
