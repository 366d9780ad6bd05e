"""``View``: one frontend's window onto a buffer, and the update ops that keep its line cache.

The core keeps, per view, what the frontend's cache holds after the last ``update``: its
line count, the range of valid lines and, for each, the cursors and styles it was sent
with. :func:`render` compares that with the buffer now and emits xi's ops (``copy``,
``skip``, ``invalidate``, ``ins``) that turn the old cache into the new one.

Invariants:

- After every ``update``, the frontend's valid lines are exactly ``valid`` (the scroll
  window plus ``MARGIN`` lines each side, plus lines it requested), each equal to the
  buffer's line with its cursors and styles; every other line is invalid.
- Changes to the text since the last update are summarized as ``change = (first_line,
  tail_lines)``: lines above ``first_line`` and the last ``tail_lines`` lines are unchanged
  (in the old and the new text alike); a line outside that span is copied, never re-sent;
  when only its cursors or styles changed, an ``update`` op sends those without the text.
- Rendering costs O(window + regions in the window + log n): it reads the window's text
  with one rope slice, never the whole document.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._rope import Rope
from ._find import Query
from ._selection import Region
from ._wrap import WrapIndex

__all__ = ["DEFAULT_HEIGHT", "MARGIN", "View", "render"]

#: Lines sent above and below the scroll window.
MARGIN = 20
#: Window height assumed until the frontend sends ``scroll``.
DEFAULT_HEIGHT = 50
#: Most extra lines one ``request_lines`` may add to a render.
MAX_REQUEST = 2000

SELECTION_STYLE = 0
FIND_STYLE = 1


class StyleSource(Protocol):
    """Where plugins' style spans come from (``_styles.PluginStyles``)."""

    def per_line(self, starts: list[int], texts: list[str]
                 ) -> dict[int, tuple[str, list[tuple[int, int, int]], tuple[int, ...]]]:
        """Per line index with any: ``(text, spans, triples)``, its style spans (code points
        in the line) and their ``styles`` triples alone (UTF-8)."""


@dataclass(slots=True)
class View:
    """The state the core keeps for one view (see the module docstring)."""

    view_id: str
    regions: list[Region] = field(default_factory=lambda: [Region(0, 0)])
    first: int = 0
    height: int = 0
    width: float = 0.0
    char_width: float | None = None
    # what the frontend's cache holds
    fe_lines: int = 0
    valid: tuple[int, int] = (0, 0)
    sent: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    change: tuple[int, int] | None = None
    requested: tuple[int, int] | None = None
    # find and replace
    query: Query | None = None
    queries: list[Query] = field(default_factory=list)  # multi_find's, combined in ``query``
    highlight: bool = True
    replacement: str = ""
    last_caret: tuple[int, int] | None = None
    drag_anchor: int | None = None
    fe_pristine: bool | None = None

    def note_change(self, first_line: int, tail_lines: int) -> None:
        """Fold an edit of lines ``[first_line, total - tail_lines)`` into the pending change."""
        if self.change is None:
            self.change = (first_line, tail_lines)
        else:
            self.change = (min(self.change[0], first_line), min(self.change[1], tail_lines))

    def reset_cache(self) -> None:
        """Forget what the frontend holds (it will be sent every window line again)."""
        self.valid = (0, 0)
        self.sent.clear()


def _utf8_col(text: str, col: int) -> int:
    return col if text.isascii() else len(text[:col].encode("utf-8", "surrogatepass"))


def _window(rope: Rope, ws: int, we: int, wrap: WrapIndex | None
            ) -> tuple[list[str], list[int], list[int], list[bool]]:
    """Texts, start offsets, line numbers (1-based; negated on continuation lines) and
    has-newline flags of visual lines ``[ws, we)``, read with one rope slice."""
    n = rope.line_count
    if wrap is None:
        first, skip = ws, 0
        last = we - 1
    else:
        first, skip = wrap.line_of_vis(ws)
        last = wrap.line_of_vis(we - 1)[0]
    start_off = rope.offset_of_line(first)
    end_off = rope.offset_of_line(last + 1) if last + 1 < n else len(rope)
    if wrap is not None and end_off - start_off > 1 << 16:  # a long line: read only the visual lines shown
        return _window_segments(rope, ws, we, first, skip, wrap)
    lines = rope[start_off:end_off].split("\n")
    if last + 1 < n:
        lines.pop()  # the slice ends with the last line's "\n"
    if wrap is None:  # one visual line per line
        flags = [True] * len(lines)
        if first + len(lines) >= n:
            flags[-1] = False
        offsets = list(accumulate([len(t) + 1 for t in lines[:-1]], initial=start_off))
        return lines, offsets, list(range(first + 1, first + 1 + len(lines))), flags
    assert wrap is not None
    texts: list[str] = []
    starts: list[int] = []
    lns: list[int] = []
    nls: list[bool] = []
    off = start_off
    get = wrap.lines.get
    for k, text in enumerate(lines):
        line = first + k
        brks = get(line)
        if not brks:  # one visual line (most lines)
            texts.append(text)
            starts.append(off)
            lns.append(line + 1)
            nls.append(line < n - 1)
            off += len(text) + 1
            continue
        segs: Sequence[int] = [0, *brks]
        if segs[-1] >= len(text):
            segs = [b for b in segs if b < len(text)] or [0]
        last = len(segs) - 1
        for j, b in enumerate(segs):
            e = segs[j + 1] if j < last else len(text)
            texts.append(text[b:e])
            starts.append(off + b)
            lns.append(line + 1 if j == 0 else -(line + 1))
            nls.append(j == last and line < n - 1)
        off += len(text) + 1
    count = we - ws
    if skip or len(texts) > count:
        texts, starts, lns, nls = (x[skip:skip + count] for x in (texts, starts, lns, nls))  # type: ignore[assignment]
    return texts, starts, lns, nls


def _window_segments(rope: Rope, ws: int, we: int, line: int, seg: int, wrap: WrapIndex
                     ) -> tuple[list[str], list[int], list[int], list[bool]]:
    """Like :func:`_window`, reading each visual line on its own (for very long lines)."""
    n = rope.line_count
    texts: list[str] = []
    starts: list[int] = []
    lns: list[int] = []
    nls: list[bool] = []
    while len(texts) < we - ws and line < n:
        base = rope.offset_of_line(line)
        length = (rope.offset_of_line(line + 1) - 1 if line + 1 < n else len(rope)) - base
        brks = wrap.lines.get(line) or ()
        want = we - ws - len(texts)  # visual lines still wanted: their starts, and one end
        starts_ = ([0] if seg == 0 else []) + list(brks[max(0, seg - 1):seg - 1 + want + 1])
        segs = starts_ + [length]
        for k in range(min(want, len(starts_))):
            a = segs[k]
            b = segs[k + 1]
            texts.append(rope[base + a:base + b])
            starts.append(base + a)
            lns.append(line + 1 if seg == 0 else -(line + 1))
            nls.append(seg == len(brks) and line < n - 1)
            seg += 1
        line += 1
        seg = 0
    return texts, starts, lns, nls


def render(view: View, rope: Rope, force: bool = False, wrap: WrapIndex | None = None,
           plugin_styles: StyleSource | None = None) -> list[dict[str, Any]] | None:
    """The ops that bring ``view``'s frontend cache up to date, or None when nothing changed.

    Lines are visual lines: with ``wrap``, a logical line may be several. Updates the
    view's record of the frontend cache as if the ops had been applied. ``plugin_styles`` adds
    plugins' style spans to each line, after its selection and find spans (as xi does).
    """
    n_logical = rope.line_count
    total = wrap.total(n_logical) if wrap is not None else n_logical
    height = view.height or DEFAULT_HEIGHT
    ws = max(0, min(view.first, total - 1) - MARGIN)
    we = min(total, view.first + height + MARGIN)
    if view.requested is not None:
        rs, re_ = view.requested
        rs = max(0, min(rs, total))
        re_ = max(rs, min(re_, total, rs + MAX_REQUEST))
        if re_ > rs:
            ws, we = min(ws, rs), max(we, re_)
    if we <= ws:
        ws, we = 0, min(total, height + MARGIN)
    old_total = view.fe_lines
    vs, ve = view.valid
    change = view.change
    if change is None and old_total != total:  # should not happen; be safe
        change = (0, 0)
    if change is None:
        first_changed, tail = total, 0
    elif wrap is None:
        first_changed, tail = change
    else:
        first_changed = wrap.vis_of_line(change[0])
        tail = total - wrap.vis_of_line(n_logical - change[1])

    window, line_starts, lns, nls = _window(rope, ws, we, wrap)
    start_off = line_starts[0]
    end_off = line_starts[-1] + len(window[-1])

    # cursors and selection spans per line, from the regions meeting the window
    cursors: dict[int, list[int]] = {}
    spans: dict[int, list[tuple[int, int, int]]] = {}
    regions = view.regions
    ends = [r.end for r in regions] if len(regions) > 8 else None
    k = bisect_left(ends, start_off) if ends is not None else 0
    for region in regions[k:]:
        if region.start > end_off:
            break
        if region.end < start_off:
            continue
        a = bisect_left(line_starts, region.active + 1) - 1
        if 0 <= a < len(window) and line_starts[a] + len(window[a]) >= region.active:
            cursors.setdefault(a, []).append(region.active - line_starts[a])
        if not region.is_caret:
            first = max(0, bisect_left(line_starts, region.start + 1) - 1)
            for li in range(first, len(window)):
                ls = line_starts[li]
                if ls > region.end or (ls == region.end and li > first):
                    break
                s = max(region.start, ls) - ls
                e = min(region.end, ls + len(window[li])) - ls
                if e > s:
                    spans.setdefault(li, []).append((s, e, SELECTION_STYLE))
    plugin = plugin_styles.per_line(line_starts, window) if plugin_styles is not None else None
    query = view.query if view.highlight else None
    if query is not None:
        search = query.pattern.finditer
        for li, text in enumerate(window):
            for m in search(text):
                if m.end() > m.start():
                    spans.setdefault(li, []).append((m.start(), m.end(), FIND_STYLE))

    ops: list[dict[str, Any]] = []
    old_ix = 0
    sent: dict[int, tuple[Any, ...]] = {}
    old_sent = view.sent

    def push(op: str, n: int, **extra: Any) -> None:
        if ops and ops[-1]["op"] == op and op in ("invalidate", "skip"):
            ops[-1]["n"] += n
        else:
            ops.append({"op": op, "n": n, **extra})

    if ws > 0:
        push("invalidate", ws)
    for li, text in enumerate(window):
        i = ws + li
        cur = cursors.get(li)
        sp = spans.get(li)
        ascii_ = text.isascii()
        cur8 = tuple(sorted(c if ascii_ else _utf8_col(text, c) for c in cur)) if cur else ()
        styles: tuple[int, ...] = ()
        psp = plugin.get(li) if plugin else None
        if sp:
            sp.sort()
            flat: list[int] = []
            prev_end = 0
            for s, e, style in sp + psp[1] if psp else sp:  # plugins' spans after (xi's order)
                s8, e8 = (s, e) if ascii_ else (_utf8_col(text, s), _utf8_col(text, e))
                flat += (s8 - prev_end, e8 - s8, style)
                prev_end = e8
            styles = tuple(flat)
        elif psp:
            styles = psp[2]
        key = (cur8, styles, text, nls[li], lns[li])
        if i < first_changed:  # j: the frontend's line this one is, or -1
            j = i
        elif i >= total - tail:
            j = i - total + old_total
        else:  # in the changed span: a line the frontend holds with this very text is kept
            j = -1
            for cand in (i, i - total + old_total):
                prev = old_sent.get(cand)
                if prev is not None and cand >= old_ix and prev[2] == text and prev[3] == nls[li]:
                    j = cand
                    break
        prev = old_sent.get(j)
        if prev is not None and vs <= j < ve and prev[:4] == key[:4] and j >= old_ix:
            if j > old_ix:
                push("skip", j - old_ix)
            last = ops[-1] if ops else None
            shift = abs(lns[li]) - abs(prev[4])  # a copy renumbers its lines by one shift
            if last is not None and last["op"] == "copy" and last["_j"] == j and last["_shift"] == shift:
                last["n"] += 1
                last["_j"] = j + 1
            else:
                ops.append({"op": "copy", "n": 1, "ln": abs(lns[li]), "_j": j + 1, "_shift": shift})
            old_ix = j + 1
        elif prev is not None and vs <= j < ve and j >= old_ix:
            # same text, other cursors or styles: "update" keeps the frontend's text
            if j > old_ix:
                push("skip", j - old_ix)
            change_: dict[str, Any] = {"cursor": list(cur8), "styles": list(styles)}
            if lns[li] > 0:
                change_["ln"] = lns[li]
            last = ops[-1] if ops else None
            if last is not None and last["op"] == "update" and last["_j"] == j:
                last["lines"].append(change_)
                last["n"] += 1
                last["_j"] = j + 1
            else:
                ops.append({"op": "update", "n": 1, "lines": [change_], "_j": j + 1})
            old_ix = j + 1
        else:
            line: dict[str, Any] = {"text": text + "\n" if nls[li] else text}
            if lns[li] > 0:
                line["ln"] = lns[li]
            if cur8:
                line["cursor"] = list(cur8)
            if styles:
                line["styles"] = list(styles)
            last = ops[-1] if ops else None
            if last is not None and last["op"] == "ins":
                last["lines"].append(line)
                last["n"] += 1
            else:
                ops.append({"op": "ins", "n": 1, "lines": [line]})
        sent[i] = key
    if we < total:
        push("invalidate", total - we)
    for op in ops:
        op.pop("_j", None)
        op.pop("_shift", None)
    unchanged = (change is None and (ws, we) == (vs, ve) and old_total == total
                 and all(op["op"] not in ("ins", "update") for op in ops))
    view.fe_lines = total
    view.valid = (ws, we)
    view.sent = sent
    view.change = None
    if unchanged and old_sent and not force:
        return None
    return ops
