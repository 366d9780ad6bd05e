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
- A line of the window outside the change span that the frontend holds, and that had and
  has no cursor or style, is copied without reading its text: a render costs O(changed
  lines + lines with cursors or styles + regions in the window + log n), plus O(window) list
  copies. Whoever changes a line's styles outside an edit (per-line styling, such as
  syntax highlighting) notes a change of those lines (``note_change``) or resets the cache;
  a new find query or highlight setting is noticed by itself (``decorated``) and re-reads
  the window. :func:`decorations` (called with the lines read) is where a line's cursors
  and styles are gathered, and where per-line styles join them.
- With a ``WrapIndex``, an edit inside one long wrapped line re-sends only the visual lines
  the wrap says changed (``WrapIndex.unchanged_segments``), not the whole line's window.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._rope import Rope
from ._find import Query
from ._selection import Region
from ._view_lines import read_lines, vis_of_offset, vis_start
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
    #: per line of ``valid``: (cursors, styles, text, has_newline) as sent, and its ``ln``
    #: (negated on a continuation line)
    sent: list[tuple[Any, ...]] = field(default_factory=list)
    sent_ln: list[int] = field(default_factory=list)
    #: the lines of ``valid`` sent with cursors, selections or find matches, increasing
    #: (plugins' styles are not marks: a change of them is noted as a change of the lines)
    marked: list[int] = field(default_factory=list)
    #: logical lines of the text when ``valid`` was sent, and the find query its styles show
    fe_logical: int = 0
    decorated: Query | None = None
    #: ``WrapIndex.version`` when ``valid`` was sent, and the regions it showed (regions
    #: are replaced, never changed in place)
    wrap_seen: int = -1
    drawn_regions: list[Region] | None = None
    change: tuple[int, int] | None = None
    #: whether ``change`` holds an edit of the text (not only of the lines' styles)
    text_changed: bool = False
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
        self.text_changed = True
        self.note_restyle(first_line, tail_lines)

    def note_restyle(self, first_line: int, tail_lines: int) -> None:
        """Fold a change of the styles (not the text) of lines ``[first_line, total - tail_lines)``
        into the pending change: none of them on screen, the frontend has nothing to learn."""
        if self.change is None:
            self.change = (first_line, tail_lines)
        else:
            self.change = (min(self.change[0], first_line), min(self.change[1], tail_lines))

    def reset_cache(self) -> None:
        """Forget what the frontend holds (it will be sent every window line again)."""
        self.valid = (0, 0)
        self.sent = []
        self.sent_ln = []
        self.marked = []


def _utf8_col(text: str, col: int) -> int:
    return col if text.isascii() else len(text[:col].encode("utf-8", "surrogatepass"))


def _minus(out: list[tuple[int, int]], a: int, b: int, c: int, d: int) -> None:
    """Append ``[a, b)`` minus ``[c, d)`` to ``out`` (as up to two ranges)."""
    if a >= b:
        return
    if d <= c:
        out.append((a, b))
        return
    if a < min(b, c):
        out.append((a, min(b, c)))
    if max(a, d) < b:
        out.append((max(a, d), b))


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:  # (a clean line between two dirty ones is read too)
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _window(view: View, rope: Rope, total: int) -> tuple[int, int]:
    """The visual lines ``[ws, we)`` the frontend should hold."""
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
    return ws, we


class _Marks:
    """Where the regions meeting the window show: cursors per visual line, and the visual
    line range of each selection (read before any text, to know which lines to read)."""

    __slots__ = ("carets", "lines", "selections")

    def __init__(self, view: View, rope: Rope, wrap: WrapIndex | None, ws: int, we: int) -> None:
        self.carets: list[tuple[int, int]] = []  # (visual line, column)
        self.selections: list[tuple[Region, int, int]] = []  # (region, first and last visual line)
        self.lines: list[tuple[int, int]] = []  # the window's lines they touch, as ranges
        start_off = vis_start(rope, wrap, ws)[0]
        last_start, last_len = vis_start(rope, wrap, we - 1)
        end_off = last_start + last_len
        regions = view.regions
        ends = [r.end for r in regions] if len(regions) > 8 else None
        k = bisect_left(ends, start_off) if ends is not None else 0
        for region in regions[k:]:
            if region.start > end_off:
                break
            if region.end < start_off:
                continue
            active = region.active
            if active == end_off and last_len:  # the window's last line ends where the caret is
                v, col = we - 1, last_len
            else:
                v, col = vis_of_offset(rope, wrap, active)
            if ws <= v < we:
                self.carets.append((v, col))
                self.lines.append((v, v + 1))
            if not region.is_caret:
                a = max(ws, vis_of_offset(rope, wrap, region.start)[0])
                b = min(we - 1, vis_of_offset(rope, wrap, region.end)[0])
                if a <= b:
                    self.selections.append((region, a, b))
                    self.lines.append((a, b + 1))


def decorations(view: View, marks: _Marks, query: Query | None, index: dict[int, int], texts: list[str],
                starts: list[int]) -> tuple[dict[int, list[int]], dict[int, list[tuple[int, int, int]]]]:
    """Cursors (columns) and style spans ``(start, end, style)`` of the lines read, by their
    place in ``texts`` (``index`` maps a visual line to it). Per-line styles join here."""
    cursors: dict[int, list[int]] = {}
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for v, col in marks.carets:
        k = index.get(v)
        if k is not None:
            cursors.setdefault(k, []).append(col)
    for region, a, b in marks.selections:
        for v in range(a, b + 1):
            k = index.get(v)
            if k is None:
                continue
            ls = starts[k]
            s = max(region.start, ls) - ls
            e = min(region.end, ls + len(texts[k])) - ls
            if e > s:
                spans.setdefault(k, []).append((s, e, SELECTION_STYLE))
    if query is not None:
        search = query.pattern.finditer
        for k, text in enumerate(texts):
            for m in search(text):
                if m.end() > m.start():
                    spans.setdefault(k, []).append((m.start(), m.end(), FIND_STYLE))
    return cursors, spans


def _line_key(text: str, cur: list[int] | None, sp: list[tuple[int, int, int]] | None,
              plugin: tuple[str, list[tuple[int, int, int]], tuple[int, ...]] | None = None
              ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A line's cursors and styles as sent: UTF-8 columns, styles as xi's relative triples
    (selection and find spans first, then the plugins', as xi orders them)."""
    ascii_ = text.isascii()
    cur8 = tuple(sorted(c if ascii_ else _utf8_col(text, c) for c in cur)) if cur else ()
    if not sp:
        return cur8, plugin[2] if plugin else ()
    sp.sort()
    flat: list[int] = []
    prev_end = 0
    for s, e, style in sp + plugin[1] if plugin else sp:
        s8, e8 = (s, e) if ascii_ else (_utf8_col(text, s), _utf8_col(text, e))
        flat += (s8 - prev_end, e8 - s8, style)
        prev_end = e8
    return cur8, tuple(flat)


class _Ops:
    """The ops being built, and the frontend cache they leave (see :func:`render`)."""

    __slots__ = ("keys", "lns", "marked", "moved", "old_ix", "old_keys", "old_lns", "ops", "ve", "vs")

    def __init__(self, view: View) -> None:
        self.ops: list[dict[str, Any]] = []
        self.old_ix = 0  # the frontend's next line not yet consumed
        self.vs, self.ve = view.valid
        self.old_keys = view.sent
        self.old_lns = view.sent_ln
        self.keys: list[tuple[Any, ...]] = []
        self.lns: list[int] = []
        self.marked: list[int] = []
        #: whether a line was copied to another place or number than it had (if not, and
        #: nothing is inserted or updated, the frontend's cache is left as it was)
        self.moved = False

    def push(self, op: str, n: int) -> None:
        ops = self.ops
        if ops and ops[-1]["op"] == op:
            ops[-1]["n"] += n
        else:
            ops.append({"op": op, "n": n})

    def held(self, j: int) -> tuple[Any, ...] | None:
        """The frontend's line ``j`` as sent, if it holds it."""
        return self.old_keys[j - self.vs] if self.vs <= j < self.ve else None

    def _copy(self, i: int, j: int, n: int, ln: int, shift: int) -> None:
        """Copy the frontend's lines ``[j, j + n)`` to new lines ``[i, i + n)``; the first
        shows line ``ln``."""
        if i != j or shift:
            self.moved = True
        if j > self.old_ix:
            self.push("skip", j - self.old_ix)
        ops = self.ops
        last = ops[-1] if ops else None
        if last is not None and last["op"] == "copy" and last["_j"] == j and last["_shift"] == shift:
            last["n"] += n
            last["_j"] = j + n
        else:
            ops.append({"op": "copy", "n": n, "ln": ln, "_j": j + n, "_shift": shift})
        self.old_ix = j + n

    def _ins(self, text: str, nl: bool, ln: int, cur8: tuple[int, ...], styles: tuple[int, ...]) -> None:
        line: dict[str, Any] = {"text": text + "\n" if nl else text}
        if ln > 0:
            line["ln"] = ln
        if cur8:
            line["cursor"] = list(cur8)
        if styles:
            line["styles"] = list(styles)
        ops = self.ops
        last = ops[-1] if ops else None
        if last is not None and last["op"] == "ins":
            last["lines"].append(line)
            last["n"] += 1
        else:
            ops.append({"op": "ins", "n": 1, "lines": [line]})

    def clean(self, i: int, j: int, n: int, ln_shift: int) -> None:
        """New lines ``[i, i + n)`` are the frontend's ``[j, j + n)`` unchanged (text, cursors
        and styles; line numbers moved by ``ln_shift``): copied, or re-sent from what was
        sent when the frontend has already consumed them."""
        old = self.old_keys[j - self.vs:j - self.vs + n]
        lns = self.old_lns[j - self.vs:j - self.vs + n]
        if ln_shift:
            lns = [x + ln_shift if x > 0 else x - ln_shift for x in lns]
        self.keys += old
        self.lns += lns
        gone = min(n, self.old_ix - j)
        for k in range(gone):  # (lines the frontend no longer has: sent again)
            self._ins(old[k][2], old[k][3], lns[k], (), ())
        if gone < n:
            k = max(0, gone)
            self._copy(i + k, j + k, n - k, abs(lns[k]), ln_shift)

    def line(self, i: int, j: int, key: tuple[Any, ...], ln: int, marked: bool) -> None:
        """New line ``i``, the frontend's ``j`` (or ``-1``): copied when it holds it as is,
        updated when only its cursors or styles differ, else sent."""
        prev = self.held(j)
        if prev is not None and j >= self.old_ix:
            shift = abs(ln) - abs(self.old_lns[j - self.vs])  # a copy renumbers its lines by one shift
            if prev == key:
                self._copy(i, j, 1, abs(ln), shift)
            else:  # same text, other cursors or styles: "update" keeps the frontend's text
                if j > self.old_ix:
                    self.push("skip", j - self.old_ix)
                change: dict[str, Any] = {"cursor": list(key[0]), "styles": list(key[1])}
                if ln > 0:
                    change["ln"] = ln
                ops = self.ops
                last = ops[-1] if ops else None
                if last is not None and last["op"] == "update" and last["_j"] == j:
                    last["lines"].append(change)
                    last["n"] += 1
                    last["_j"] = j + 1
                else:
                    ops.append({"op": "update", "n": 1, "lines": [change], "_j": j + 1})
                self.old_ix = j + 1
        else:
            self._ins(key[2], key[3], ln, key[0], key[1])
        self.keys.append(key)
        self.lns.append(ln)
        if marked:
            self.marked.append(i)


def render(view: View, rope: Rope, force: bool = False, wrap: WrapIndex | None = None,
           plugin_styles: StyleSource | None = None) -> list[dict[str, Any]] | None:
    """The ops that bring ``view``'s frontend cache up to date, or None when nothing changed.

    Lines are visual lines: with ``wrap``, a logical line may be several. Updates the
    view's record of the frontend cache as if the ops had been applied. ``plugin_styles`` adds
    plugins' style spans to each line read, after its selection and find spans (as xi does);
    whoever changes those spans notes the lines changed (``View.note_change``), as for text.
    """
    n_logical = rope.line_count
    total = wrap.total(n_logical) if wrap is not None else n_logical
    ws, we = _window(view, rope, total)
    moved_only = False  # only the breaks of one line moved since the last update, not its text
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
        same = wrap.unchanged_segments(view.wrap_seen)
        if same is not None and change == (same[0], n_logical - 1 - same[0]):
            # an edit inside one wrapped line: its first and last visual lines stayed
            first_changed += same[1]
            tail += same[2]
            moved_only = same[3]
            if (moved_only and not force and (ws, we) == (vs, ve) and old_total == total and view.sent
                    and view.regions is view.drawn_regions and not (first_changed < we and total - tail > ws)):
                # only breaks outside the window moved: the frontend holds exactly this window
                view.change = None
                view.text_changed = False
                view.wrap_seen = wrap.version
                return None
    tail_start = max(first_changed, total - tail)
    vis_shift = total - old_total  # a line after the change was the frontend's line i - vis_shift
    ln_shift = n_logical - view.fe_logical
    query = view.query if view.highlight else None

    # the lines to read: changed, new to the frontend, or with cursors or styles then or now
    marks = _Marks(view, rope, wrap, ws, we)
    dirty = list(marks.lines)
    if query is not view.decorated:
        dirty.append((ws, we))
    else:
        if first_changed < total - tail:
            dirty.append((max(ws, first_changed), min(we, total - tail)))
        _minus(dirty, ws, min(we, first_changed), vs, ve)
        _minus(dirty, max(ws, tail_start), we, vs + vis_shift, ve + vis_shift)
        for j in view.marked:
            for i in (j if j < first_changed else -1, j + vis_shift if j + vis_shift >= tail_start else -1):
                if ws <= i < we:
                    dirty.append((i, i + 1))
    ranges = _merged([(a, b) for a, b in dirty if a < b])
    texts: list[str] = []
    starts: list[int] = []
    lns: list[int] = []
    nls: list[bool] = []
    index: dict[int, int] = {}
    for a, b in ranges:
        t, s, ln, nl = read_lines(rope, a, b, wrap)
        index.update(zip(range(a, b), range(len(texts), len(texts) + len(t))))
        texts += t
        starts += s
        lns += ln
        nls += nl
    cursors, spans = decorations(view, marks, query, index, texts, starts)
    plugin = plugin_styles.per_line(starts, texts) if plugin_styles is not None and texts else None

    out = _Ops(view)
    if ws > 0:
        out.push("invalidate", ws)
    i = ws
    k = 0
    for a, b in [*ranges, (we, we)]:
        # clean lines [i, a): above the change they are the frontend's same lines, after it shifted
        if i < a:
            top = min(a, first_changed)
            if i < top:
                out.clean(i, i, top - i, 0)
            low = max(i, tail_start)
            if low < a:
                out.clean(low, low - vis_shift, a - low, ln_shift)
            assert top >= a or low <= max(i, top), "a clean line in the change span"
        for i in range(a, b):
            text = texts[k]
            cur, sp = cursors.get(k), spans.get(k)
            cur8, styles = _line_key(text, cur, sp, plugin.get(k) if plugin else None)
            key = (cur8, styles, text, nls[k])
            if i < first_changed:  # j: the frontend's line this one is, or -1
                j = i
            elif i >= total - tail:
                j = i - vis_shift
            else:  # in the changed span: a line the frontend holds with this very text is kept
                j = -1
                for cand in (i, i - vis_shift):
                    prev = out.held(cand)
                    if prev is not None and cand >= out.old_ix and prev[2] == text and prev[3] == key[3]:
                        j = cand
                        break
            out.line(i, j, key, lns[k], bool(cur or sp))
            k += 1
        i = b
    if we < total:
        out.push("invalidate", total - we)
    ops = out.ops
    for op in ops:
        op.pop("_j", None)
        op.pop("_shift", None)
    # (when only breaks moved outside the window, or only styles changed outside it: a plugin's
    # spans for lines not on screen, the frontend has nothing to learn)
    unchanged = ((change is None or moved_only or not (view.text_changed or out.moved))
                 and (ws, we) == (vs, ve) and old_total == total and all(op["op"] not in ("ins", "update") for op in ops))
    had = bool(view.sent)
    view.fe_lines = total
    view.fe_logical = n_logical
    view.valid = (ws, we)
    view.sent = out.keys
    view.sent_ln = out.lns
    view.marked = out.marked
    view.decorated = query
    view.wrap_seen = wrap.version if wrap is not None else -1
    view.drawn_regions = view.regions
    view.change = None
    view.text_changed = False
    if unchanged and had and not force:
        return None
    return ops
