"""``CaretFollowing``: the editor app's part that keeps the caret in view.

After every ``scroll_to``, edit, resize and wrap toggle the caret's line is on screen and,
with wrapping off, its column too (long lines scroll sideways). A resize or a wrap toggle
moves the caret's visual line without a ``scroll_to``, so the app remembers the caret's
logical position (``_seek``) and finds it again in the new lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

from ._cache import LineCache
from ._view import EditorView

__all__ = ["CaretFollowing"]


class CaretFollowing:
    """Mixed into the editor app: scrolling to the caret, and finding it again after the rows change."""

    editor_view: EditorView
    cache: LineCache
    caret: tuple[int, int]
    first: int
    left: int
    word_wrap: bool
    tab_size: int
    _seek: tuple[int, int] | None
    _seek_armed: bool
    _column_pending: bool

    if TYPE_CHECKING:
        def send_scroll(self) -> None: ...

        def refresh_status(self) -> None: ...

    def follow_caret(self) -> None:
        """Scroll so that the caret's line (and, wrapping off, its column) is on screen."""
        if self._seek is not None:
            return
        view = self.editor_view
        height = max(1, view.size.height)
        row, col8 = self.caret
        scrolled = False
        if row < self.first or row >= self.first + height:
            self.first = max(0, row - height // 2)
            scrolled = True
        self._column_pending = False
        if self.word_wrap:
            self.left = 0
        else:
            line = self.cache.line(row)
            if line is None:
                self._column_pending = True  # fixed once the line arrives
            else:
                raw = line["text"].rstrip("\n")
                col = cell_len(raw.encode("utf-8")[:col8].decode("utf-8", "ignore").expandtabs(self.tab_size))
                width = view.text_width
                if col < self.left or col >= self.left + width:
                    self.left = max(0, col - width // 2)
                    view.refresh()
        if scrolled:
            self.send_scroll()

    def _remember_caret(self) -> None:
        """Before the rows change (wrap toggle, resize with wrapping): hold the caret's logical place."""
        if self._seek is None:
            logical = self.cache.logical(*self.caret) if self.word_wrap else self.caret
            self._seek = logical or self.caret
        self._seek_armed = False

    def _arm_seek(self, result: Any = None, error: Any = None) -> None:
        if self._seek is not None:
            self._seek_armed = True
            self._find_caret()

    def _find_caret(self) -> None:
        """Find the remembered caret in the rows the core sent since; scroll towards it if not there."""
        assert self._seek is not None
        line_no, col8 = self._seek
        if not self.word_wrap:
            found: tuple[int, int] | None = (line_no, col8)
        else:
            found = self.cache.visual(line_no, col8)
        if found is not None:
            self._seek, self._seek_armed = None, False
            self.caret = found
            self.follow_caret()
            self.refresh_status()
            return
        known = self.cache.known_lines()
        height = max(1, self.editor_view.size.height)
        if known is None:
            return
        first_row, first_ln, last_row, last_ln = known
        if last_ln < line_no + 1:  # below: a line is at least one row, so it is this far at least
            self.first = last_row + (line_no + 1 - last_ln)
        elif first_ln > line_no + 1:  # above
            self.first = max(0, first_row - (first_ln - line_no - 1) * 4)
        else:
            return
        self.first = max(0, self.first - height // 2)
        self.send_scroll()
