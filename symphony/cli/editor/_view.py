"""``EditorView``: the widget that draws the visible lines from the line cache.

Each screen row is one visual line: the line-number gutter, then the text cut to the
columns in view (``app.left`` onwards when wrapping is off), never spilling onto the next
row. Mouse gestures become xi ``gesture``/``drag`` edits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from rich.cells import cell_len
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

from ._cache import LineCache, char_col
from ._diagnostics import SEVERITY_COLOURS, Diagnostics

__all__ = ["GUTTER", "MARKER", "EditorView", "ViewHost", "crop_cells", "style_of"]


class ViewHost(Protocol):
    """What the view reads from and tells the app that owns it (the editor app)."""

    cache: LineCache
    first: int
    left: int
    word_wrap: bool
    tab_size: int
    show_tabs: bool
    syntax_styles: dict[int, Style]

    @property
    def diagnostics(self) -> Diagnostics: ...

    def request_missing(self) -> None: ...

    def view_resized(self) -> None: ...

    def scroll_by(self, delta: int) -> None: ...

    def edit(self, method: str, params: Any = None, callback: Callable[[Any, Any], None] | None = None) -> None: ...

#: Columns taken by the gutter: the line number, then a diagnostic's marker.
GUTTER = 7
#: The gutter's mark on a line with a diagnostic (coloured by its severity).
MARKER = "●"
#: Style ids the protocol reserves: 0 a selection, 1 a find match (no ``def_style`` for them).
SELECTION, FIND_MATCH = 0, 1


def _argb(value: Any) -> Color | None:
    if type(value) is not int or not 0 <= value <= 0xFFFFFFFF or value >> 24 == 0:
        return None  # absent, malformed, or fully transparent: the terminal's own colour
    return Color.from_rgb((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)


def style_of(params: Any) -> Style:
    """The terminal style of a ``def_style`` notification's params (colours as ARGB ints,
    ``weight`` 700 and above bold, ``italic``, ``underline``); what is missing or malformed is
    left to the terminal."""
    p = params if isinstance(params, dict) else {}
    weight = p.get("weight")
    return Style(color=_argb(p.get("fg_color")), bgcolor=_argb(p.get("bg_color")),
                 bold=True if type(weight) is int and weight >= 700 else None,
                 italic=True if p.get("italic") is True else None,
                 underline=True if p.get("underline") is True else None)


def crop_cells(text: Text, left: int, width: int) -> Text:
    """The part of ``text`` in terminal columns ``[left, left + width)`` (a wide character cut
    in half is dropped)."""
    plain = text.plain
    if plain.isascii():
        return text[left:left + width]
    start = end = None
    col = 0
    for i, ch in enumerate(plain):
        w = cell_len(ch)
        if start is None and col >= left:
            start = i
        if start is not None and col + w > left + width:
            end = i
            break
        col += w
    if start is None:
        return Text("")
    return text[start:end] if end is not None else text[start:]


def _render_line(app: ViewHost, line: dict[str, Any], row: int = -1) -> Text:
    raw = line["text"].rstrip("\n")
    mapping = None
    if "\t" in raw:
        shown = raw.expandtabs(app.tab_size)
        if app.show_tabs:  # mark where each tab starts
            cells = list(shown)
            col = 0
            for ch in raw:
                if ch == "\t":
                    cells[col] = "→"
                    col += app.tab_size - col % app.tab_size
                else:
                    col += 1
            shown = "".join(cells)
        text = Text(shown)
        mapping, col = [], 0  # character index -> index after expanding tabs
        for ch in raw:
            mapping.append(col)
            col += app.tab_size - col % app.tab_size if ch == "\t" else 1
        mapping.append(col)
    else:
        text = Text(raw)
    styles = line.get("styles") or []
    spans = []
    end = 0
    for k in range(0, len(styles), 3):
        start = end + styles[k]
        end = start + styles[k + 1]
        a, b = char_col(raw, start), char_col(raw, end)
        if mapping:
            a, b = mapping[a], mapping[b]
        spans.append((styles[k + 2], a, b))
    for sid, a, b in spans:  # syntax colours first, selections and matches over them
        if sid > FIND_MATCH and sid in app.syntax_styles:
            text.stylize(app.syntax_styles[sid], a, b)
    raw_len = len(raw.encode("utf-8")) if not raw.isascii() else len(raw)
    for d in app.diagnostics.on_row(row):  # underlined (their colour is the gutter marker's)
        a8, b8 = d.columns(row, raw_len)
        a, b = char_col(raw, a8), char_col(raw, b8)
        if mapping:
            a, b = mapping[a], mapping[min(b, len(mapping) - 1)]
        if b > len(text.plain):
            text.append(" " * (b - len(text.plain)))
        text.stylize(Style(underline=True), a, b)
    for sid, a, b in spans:
        if sid <= FIND_MATCH:
            text.stylize("reverse" if sid == SELECTION else "on dark_goldenrod", a, b)
    for c8 in line.get("cursor") or []:
        c = char_col(raw, c8)
        if mapping:
            c = mapping[c]
        if c >= len(text.plain):
            text.append(" " * (c - len(text.plain) + 1))
        text.stylize("reverse blink", c, c + 1)
    return text


class EditorView(Widget, can_focus=True):
    """Draws the visible lines from the cache, with cursors, selections and find matches."""

    DEFAULT_CSS = """
    EditorView { height: 1fr; }
    """

    def __init__(self, app_: ViewHost) -> None:
        super().__init__()
        self.editor = app_

    @property
    def text_width(self) -> int:
        """Columns of text shown right of the gutter."""
        return max(1, self.size.width - GUTTER)

    def render(self) -> Text:
        app = self.editor
        width = self.text_width
        out = Text(no_wrap=True, overflow="crop", end="")
        lines = app.cache.lines
        missing = False
        for row in range(self.size.height):
            i = app.first + row
            if row:
                out.append("\n")
            if i >= len(lines):
                out.append("~", style="dim")
                continue
            line = lines[i]
            if line is None:
                missing = True
                out.append("…", style="dim")
                continue
            number = line.get("ln")
            out.append(f"{number:>6}" if number else " " * (GUTTER - 1), style="dim")
            severity = app.diagnostics.severity(i)
            if severity is None:
                out.append(" ")
            else:
                out.append(MARKER, style=f"bold {SEVERITY_COLOURS[severity]}")
            out.append_text(crop_cells(_render_line(app, line, i), 0 if app.word_wrap else app.left, width))
        if missing:
            app.request_missing()
        return out

    def on_resize(self, event: events.Resize) -> None:
        self.editor.view_resized()

    def _position(self, x: int, y: int) -> tuple[int, int]:
        """(line, UTF-8 column) of screen cell (x, y)."""
        app = self.editor
        line = app.first + y
        col = max(0, x - GUTTER) + (0 if app.word_wrap else app.left)
        cached = app.cache.line(line)
        if cached is not None:  # screen column -> UTF-8 column
            raw = cached["text"].rstrip("\n")
            chars, width = 0, 0
            for ch in raw:
                step = app.tab_size - width % app.tab_size if ch == "\t" else cell_len(ch)
                if width + step > col:
                    break
                width += step
                chars += 1
            col = len(raw[:chars].encode("utf-8"))
        return line, col

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button == 1:  # dragging with the left button extends the selection
            line, col = self._position(event.x, event.y)
            self.editor.edit("drag", [line, col, 0])

    def on_mouse_down(self, event: events.MouseDown) -> None:
        line, col = self._position(event.x, event.y)
        ty = "toggle_sel" if event.ctrl else ("range_select" if event.shift else "point_select")
        self.editor.edit("gesture", {"line": line, "col": col, "ty": ty})

    def on_click(self, event: events.Click) -> None:
        chain = getattr(event, "chain", 1)
        if chain >= 2:  # double click: the word; triple: the line
            line, col = self._position(event.x, event.y)
            self.editor.edit("gesture", {"line": line, "col": col,
                                         "ty": "word_select" if chain == 2 else "line_select"})

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.editor.scroll_by(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.editor.scroll_by(-3)
