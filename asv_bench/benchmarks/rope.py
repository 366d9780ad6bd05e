"""Text core benchmarks: ``symphony.text.Rope`` beside the structure a user would otherwise pick.

Each class takes the implementation as a parameter, so ours and the peer's sit on one row
of the same run: textual's ``Document`` (a list of lines), a plain ``str`` (copy on every
edit), or ``bisect`` over a precomputed list of line starts. The text is 100 MB of lines of
20-100 characters (or one 100 MB line), generated deterministically and cached on disk so
every process of a run uses the same bytes.

Latency benchmarks are ``track_*_p50`` (and ``_p99``) methods returning the median (99th
percentile) of many single operations in microseconds (after a warm-up), measured with ``time.perf_counter``.
``RopePureCurve`` shows the pure-Python twin's cost per edit at 1, 10 and 100 MB: flat
up to the depth of the tree, i.e. O(log n).
"""

from __future__ import annotations

import bisect
import gc
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from typing import Any, Callable

MB = 1_000_000
SIZE = int(os.environ.get("SYMPHONY_BENCH_MB", "100")) * MB
SEED = 20240601
_ALPHABET = "abcdefghijklmnopqrstuvwxyz     ABCDEFGHIJ0123456789(){}[];:.,=+-*/"
_texts: dict[tuple[int, bool], str] = {}


def make_text(size: int = SIZE, newlines: bool = True) -> str:
    """``size`` characters of lines of 20-100 characters (or none at all), the same every time."""
    key = (size, newlines)
    if key in _texts:
        return _texts[key]
    path = os.path.join(tempfile.gettempdir(), f"symphony-bench-{SEED}-{size}-{int(newlines)}.txt")
    try:
        with open(path, encoding="ascii", newline="") as f:
            text = f.read()
        if len(text) != size:
            raise OSError("stale cache")
    except OSError:
        rng = random.Random(SEED)
        pool = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(20, 100))) for _ in range(4096)]
        sep = "\n" if newlines else " "
        parts: list[str] = []
        total = 0
        while total < size:
            line = pool[rng.getrandbits(12)]
            parts.append(line)
            total += len(line) + 1
        text = sep.join(parts)[:size]
        del parts
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "w", encoding="ascii", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    _texts[key] = text
    return text


def p50_us(op: Callable[[int], Any], n: int, warmup: int = 50) -> float:
    """Median wall time of ``op(i)`` for i in range(n), in microseconds, after ``warmup`` calls."""
    return statistics.median(latencies_us(op, n, warmup))


def p99(times: list[float]) -> float:
    """The 99th percentile of ``times`` (sorted or not)."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def latencies_us(op: Callable[[int], Any], n: int, warmup: int = 50) -> list[float]:
    """Wall time of each ``op(i)`` for i in range(n), in microseconds, after ``warmup`` calls."""
    for i in range(min(warmup, n)):
        op(i)
    clock = time.perf_counter
    times = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for i in range(n):
            t0 = clock()
            op(i)
            times.append(clock() - t0)
    finally:
        if gc_was:
            gc.enable()
    return [t * 1e6 for t in times]


def _rope_cls(impl: str) -> Any:
    from symphony.text import Rope

    if impl == "symphony-pure":
        from symphony._speedups import variants
        from symphony.text._rope import rope_class

        return rope_class(variants("_rope")["pure"])
    return Rope


def _document(text: str) -> Any:
    from textual.document._document import Document

    return Document(text)


class RopeBuild:
    """Build from a 100 MB str: time, and memory of the structure over the text's size."""

    params = ["symphony", "textual"]
    param_names = ["impl"]
    timeout = 600
    number = 1
    repeat = 3

    def setup(self, impl: str) -> None:
        self.text = make_text()

    def _build(self, impl: str) -> Any:
        return _rope_cls(impl)(self.text) if impl.startswith("symphony") else _document(self.text)

    def time_build(self, impl: str) -> None:
        self._build(impl)

    def track_build_ms(self, impl: str) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            obj = self._build(impl)
            times.append(time.perf_counter() - t0)
            del obj
        return statistics.median(times) * 1e3

    track_build_ms.unit = "ms"  # type: ignore[attr-defined]

    def track_memory_ratio(self, impl: str) -> float:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            obj = self._build(impl)
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        del obj
        return (after - before) / len(self.text)

    track_memory_ratio.unit = "x text size"  # type: ignore[attr-defined]


class RopeInsert:
    """One-character insert at a random place of a 100 MB text of lines, p50."""

    params = ["symphony", "textual"]
    param_names = ["impl"]
    timeout = 600
    N = 5000

    def setup(self, impl: str) -> None:
        text = make_text()
        rng = random.Random(1)
        self.offsets = [rng.randrange(len(text)) for _ in range(self.N)]
        if impl.startswith("symphony"):
            self.doc = _rope_cls(impl)(text)
        else:
            self.doc = _document(text)
            nl = text.count("\n")
            rng = random.Random(1)
            self.locations = [(rng.randrange(nl), rng.randrange(20)) for _ in range(self.N)]

    def _latencies(self, impl: str) -> list[float]:
        if getattr(self, "_measured", None) is None:
            self._measured = self._measure(impl)
        return self._measured

    def track_insert_char_p50(self, impl: str) -> float:
        return statistics.median(self._latencies(impl))

    track_insert_char_p50.unit = "us"  # type: ignore[attr-defined]

    def track_insert_char_p99(self, impl: str) -> float:
        return p99(self._latencies(impl))

    track_insert_char_p99.unit = "us"  # type: ignore[attr-defined]

    def _measure(self, impl: str) -> list[float]:
        if impl.startswith("symphony"):
            offsets = self.offsets

            def op(i: int) -> None:
                self.doc = self.doc.insert(offsets[i], "x")
        else:
            doc = self.doc
            locations = self.locations

            def op(i: int) -> None:
                loc = locations[i]
                doc.replace_range(loc, loc, "x")
        return latencies_us(op, self.N)

    def teardown(self, impl: str) -> None:
        del self.doc


class RopeReplaceLines:
    """Replace a range spanning 5 lines (given as line, column) with 3 new lines, p50."""

    params = ["symphony", "textual"]
    param_names = ["impl"]
    timeout = 600
    N = 2000
    NEW = "replacement line one\nline two\nthree"

    def setup(self, impl: str) -> None:
        text = make_text()
        nl = text.count("\n")
        rng = random.Random(2)
        self.rows = [rng.randrange(nl - 10 - 3 * self.N) for _ in range(self.N)]  # each replace drops 2 lines
        self.doc = _rope_cls(impl)(text) if impl.startswith("symphony") else _document(text)

    def _latencies(self, impl: str) -> list[float]:
        if getattr(self, "_measured", None) is None:
            self._measured = self._measure(impl)
        return self._measured

    def track_replace_lines_p50(self, impl: str) -> float:
        return statistics.median(self._latencies(impl))

    track_replace_lines_p50.unit = "us"  # type: ignore[attr-defined]

    def track_replace_lines_p99(self, impl: str) -> float:
        return p99(self._latencies(impl))

    track_replace_lines_p99.unit = "us"  # type: ignore[attr-defined]

    def _measure(self, impl: str) -> list[float]:
        rows = self.rows
        new = self.NEW
        if impl.startswith("symphony"):
            def op(i: int) -> None:
                r = self.doc
                row = rows[i]
                start = r.offset_of_line(row) + 10
                end = r.offset_of_line(row + 5) + 10
                self.doc = r.replace(start, end, new)
        else:
            doc = self.doc

            def op(i: int) -> None:
                row = rows[i]
                doc.replace_range((row, 10), (row + 5, 10), new)
        return latencies_us(op, self.N, warmup=20)

    def teardown(self, impl: str) -> None:
        del self.doc


class RopeOneLineInsert:
    """Insert into a 100 MB text with no newline at all: rope vs ``s[:i] + x + s[i:]``, p50."""

    params = ["symphony", "str"]
    param_names = ["impl"]
    timeout = 600

    def setup(self, impl: str) -> None:
        text = make_text(newlines=False)
        self.n = 2000 if impl == "symphony" else 9
        rng = random.Random(3)
        self.offsets = [rng.randrange(len(text)) for _ in range(self.n)]
        self.doc: Any = _rope_cls(impl)(text) if impl == "symphony" else text

    def track_insert_one_line_p50(self, impl: str) -> float:
        offsets = self.offsets
        if impl == "symphony":
            def op(i: int) -> None:
                self.doc = self.doc.insert(offsets[i], "x")
        else:
            def op(i: int) -> None:
                s = self.doc
                o = offsets[i]
                self.doc = s[:o] + "x" + s[o:]
        return p50_us(op, self.n, warmup=2 if impl == "str" else 50)

    track_insert_one_line_p50.unit = "us"  # type: ignore[attr-defined]

    def teardown(self, impl: str) -> None:
        del self.doc


class RopeLineLookup:
    """``line_of_offset`` / ``offset_of_line`` on 100 MB vs bisect over a list of line starts, p50."""

    params = ["symphony", "bisect"]
    param_names = ["impl"]
    timeout = 600
    N = 20000

    def setup(self, impl: str) -> None:
        text = make_text()
        rng = random.Random(4)
        self.offsets = [rng.randrange(len(text) + 1) for _ in range(self.N)]
        nlines = text.count("\n") + 1
        self.lines = [rng.randrange(nlines) for _ in range(self.N)]
        if impl == "symphony":
            self.rope = _rope_cls(impl)(text)
        else:
            starts = [0]
            find = text.find
            pos = find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self.starts = starts

    def track_line_of_offset_p50(self, impl: str) -> float:
        offsets = self.offsets
        if impl == "symphony":
            line_of_offset = self.rope.line_of_offset
            return p50_us(lambda i: line_of_offset(offsets[i]), self.N)
        starts = self.starts
        bisect_right = bisect.bisect_right
        return p50_us(lambda i: bisect_right(starts, offsets[i]) - 1, self.N)

    track_line_of_offset_p50.unit = "us"  # type: ignore[attr-defined]

    def track_offset_of_line_p50(self, impl: str) -> float:
        lines = self.lines
        if impl == "symphony":
            offset_of_line = self.rope.offset_of_line
            return p50_us(lambda i: offset_of_line(lines[i]), self.N)
        starts = self.starts
        return p50_us(lambda i: starts[lines[i]], self.N)

    track_offset_of_line_p50.unit = "us"  # type: ignore[attr-defined]


class RopePureCurve:
    """The pure-Python twin, per edit, at 1, 10 and 100 MB: O(log n), so nearly flat."""

    params = ["1MB", "10MB", "100MB"]
    param_names = ["size"]
    timeout = 600
    N = 2000

    def setup(self, size: str) -> None:
        n = int(size[:-2]) * MB
        text = make_text(SIZE)[:n]
        rng = random.Random(5)
        self.offsets = [rng.randrange(n) for _ in range(self.N)]
        self.rope = _rope_cls("symphony-pure")(text)

    def track_pure_insert_char_p50(self, size: str) -> float:
        offsets = self.offsets

        def op(i: int) -> None:
            self.rope = self.rope.insert(offsets[i], "x")
        return p50_us(op, self.N)

    track_pure_insert_char_p50.unit = "us"  # type: ignore[attr-defined]

    def track_pure_replace_lines_p50(self, size: str) -> float:
        offsets = self.offsets
        new = RopeReplaceLines.NEW

        def op(i: int) -> None:
            r = self.rope
            row = r.line_of_offset(offsets[i] % len(r))
            if row + 5 >= r.line_count:
                row = 0
            n = len(r)
            self.rope = r.replace(min(n, r.offset_of_line(row) + 10), min(n, r.offset_of_line(row + 5) + 10), new)
        return p50_us(op, self.N)

    track_pure_replace_lines_p50.unit = "us"  # type: ignore[attr-defined]

    def track_pure_line_of_offset_p50(self, size: str) -> float:
        offsets = self.offsets
        rope = self.rope
        return p50_us(lambda i: rope.line_of_offset(offsets[i] % (len(rope) + 1)), self.N)

    track_pure_line_of_offset_p50.unit = "us"  # type: ignore[attr-defined]

    def teardown(self, size: str) -> None:
        del self.rope
