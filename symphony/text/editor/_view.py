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
  (in the old and the new text alike); a line outside that span is copied, never re-sent,
  unless its cursors or styles changed.
- Rendering costs O(window + regions in the window + log n): it reads the window's text
  with one rope slice, never the whole document.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from .._rope import Rope
from ._find import Query
from ._selection import Region

__all__ = ["DEFAULT_HEIGHT", "MARGIN", "View", "render"]

#: Lines sent above and below the scroll window.
MARGIN = 20
#: Window height assumed until the frontend sends ``scroll``.
DEFAULT_HEIGHT = 50
#: Most extra lines one ``request_lines`` may add to a render.
MAX_REQUEST = 2000

SELECTION_STYLE = 0
FIND_STYLE = 1


@dataclass(slots=True)
class View:
    """The state the core keeps for one view (see the module docstring)."""

    view_id: str
    regions: list[Region] = field(default_factory=lambda: [Region(0, 0)])
    first: int = 0
    height: int = 0
    width: float = 0.0
    # what the frontend's cache holds
    fe_lines: int = 0
    valid: tuple[int, int] = (0, 0)
    sent: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    change: tuple[int, int] | None = None
    requested: tuple[int, int] | None = None
    # find and replace
    query: Query | None = None
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


def render(view: View, rope: Rope, force: bool = False) -> list[dict[str, Any]] | None:
    """The ops that bring ``view``'s frontend cache up to date, or None when nothing changed.

    Updates the view's record of the frontend cache as if the ops had been applied.
    """
    total = rope.line_count
    height = view.height or DEFAULT_HEIGHT
    ws = max(0, min(view.first, total - 1) - MARGIN)
    we = min(total, view.first + height + MARGIN)
    if view.requested is not None:
        rs, re_ = view.requested
        rs = max(0, min(rs, total))
        re_ = max(rs, min(re_, total, rs + MAX_REQUEST))
        if re_ > rs:
            ws, we = min(ws, rs), max(we, re_)
    old_total = view.fe_lines
    vs, ve = view.valid
    change = view.change
    if change is None and old_total != total:  # should not happen; be safe
        change = (0, 0)
    first_changed, tail = change if change is not None else (total, 0)

    start_off = rope.offset_of_line(ws)
    end_off = rope.offset_of_line(we) if we < total else len(rope)
    window = rope[start_off:end_off].split("\n")
    if we < total:
        window.pop()  # the text ends with the last window line's "\n"

    # cursors and selection spans per line, from the regions meeting the window
    cursors: dict[int, list[int]] = {}
    spans: dict[int, list[tuple[int, int, int]]] = {}
    regions = view.regions
    ends = [r.end for r in regions] if len(regions) > 8 else None
    k = bisect_left(ends, start_off) if ends is not None else 0
    line_starts: list[int] = []
    off = start_off
    for text in window:
        line_starts.append(off)
        off += len(text) + 1
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
        if sp:
            sp.sort()
            flat: list[int] = []
            prev_end = 0
            for s, e, style in sp:
                s8, e8 = (s, e) if ascii_ else (_utf8_col(text, s), _utf8_col(text, e))
                flat += (s8 - prev_end, e8 - s8, style)
                prev_end = e8
            styles = tuple(flat)
        key = (cur8, styles)
        if i < first_changed:
            j: int | None = i
        elif i >= total - tail:
            j = i - total + old_total
        else:
            j = None
        if j is not None and vs <= j < ve and old_sent.get(j) == key and j >= old_ix:
            if j > old_ix:
                push("skip", j - old_ix)
            last = ops[-1] if ops else None
            if last is not None and last["op"] == "copy" and last["_j"] == j:
                last["n"] += 1
                last["_j"] = j + 1
            else:
                ops.append({"op": "copy", "n": 1, "ln": i + 1, "_j": j + 1})
            old_ix = j + 1
        else:
            line: dict[str, Any] = {"text": text + "\n" if i < total - 1 else text, "ln": i + 1}
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
    unchanged = (change is None and (ws, we) == (vs, ve) and old_total == total
                 and all(op["op"] != "ins" for op in ops))
    view.fe_lines = total
    view.valid = (ws, we)
    view.sent = sent
    view.change = None
    if unchanged and old_sent and not force:
        return None
    return ops
