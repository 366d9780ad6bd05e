"""``LanguageFeatures``: what ``symphony edit`` asks the language-server plugin, and shows of its answers.

The bundled ``symphony-lsp`` plugin answers the frontend's ``plugin_rpc`` requests (our
extension of xi's protocol: the request is answered with the plugin's result): completion,
go to definition, rename. Hover is xi's own ``request_hover`` edit, answered by
``show_hover``. Positions go out as xi's (logical line, UTF-8 column in it); the caret the
app holds is a visual line, turned into a logical one through the line cache when wrapping.

An answer that arrives after the caret moved is dropped (the user has moved on); a hover or
completion popup closes on the next key that is not its own.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any, Protocol

from rich.cells import cell_len

from ._cache import LineCache, char_col
from ._core_client import CoreConnection
from ._diagnostics import Diagnostics, StatusItems
from ._popup import Popup

__all__ = ["LSP_PLUGIN", "LanguageFeatures", "LanguageHost"]

#: The plugin that answers (its name in ``available_plugins``).
LSP_PLUGIN = "symphony-lsp"

Callback = Callable[[Any, Any], None]


class LanguageHost(Protocol):
    """What the features read from and ask of the editor app."""

    core: CoreConnection | None
    view_id: str | None
    path: str
    cache: LineCache
    caret: tuple[int, int]
    first: int
    left: int
    word_wrap: bool
    tab_size: int
    message: str

    def edit(self, method: str, params: Any = None, callback: Callback | None = None) -> None: ...

    def answer(self, fn: Callback) -> Callback: ...

    def refresh_status(self) -> None: ...

    def popup_origin(self) -> tuple[int, int, int]: ...


def _count(value: Any, default: int) -> int:
    """``value`` if it is a non-negative int (what a well-behaved plugin sends), else ``default``."""
    return value if type(value) is int and value >= 0 else default


def _error_text(error: Any) -> str:
    return str(error.get("message") if isinstance(error, dict) else error)


class LanguageFeatures:
    """Diagnostics, status items, hover, completion, definition and rename for one editor app."""

    def __init__(self, host: LanguageHost, popup: Popup) -> None:
        self.host = host
        self.popup = popup
        self.diagnostics = Diagnostics()
        self.status = StatusItems()
        self._hover_ids = itertools.count(1)
        self._hover_id = 0
        self._hover_caret = (0, 0)
        self._completion: tuple[int, int, int] | None = None  # (line, start, end) the choice replaces
        self._rename_at: tuple[int, int] | None = None

    # -- from the core --------------------------------------------------------------------

    def handle(self, method: str, params: Any) -> bool:
        """Take a notification that is ours (status items, ``show_hover``); True if it was."""
        host = self.host
        if isinstance(params, dict) and params.get("view_id") not in (None, host.view_id):
            return False
        if self.status.handle(method, params):
            return True
        if method == "show_hover" and isinstance(params, dict):
            if params.get("request_id") == self._hover_id and host.caret == self._hover_caret:
                result = params.get("result")
                text = result.get("content") if isinstance(result, dict) else result
                if isinstance(text, str) and text.strip():
                    self._show(lambda: self.popup.show_hover(text), text.count("\n") + 3)
                else:
                    host.message = "no hover here"
            return True
        return False

    def caret_message(self) -> str:
        """The diagnostic at the caret, for the status line ("" when none)."""
        found = self.diagnostics.at(*self.host.caret)
        return found.describe() if found is not None else ""

    # -- positions ------------------------------------------------------------------------

    def position(self) -> tuple[int, int] | None:
        """The caret as xi's (logical line, UTF-8 column), or None when its line is not cached."""
        host = self.host
        return host.cache.logical(*host.caret) if host.word_wrap else host.caret

    def _show(self, show: Callable[[], None], height: int) -> None:
        x, y, screen_height = self.host.popup_origin()
        show()
        self.popup.place(x, y, height, screen_height)

    def _request(self, method: str, params: dict[str, Any], callback: Callback) -> bool:
        host = self.host
        if host.core is None or host.view_id is None:
            return False
        host.core.request("plugin", {"command": "plugin_rpc", "view_id": host.view_id, "receiver": LSP_PLUGIN,
                                     "rpc": {"method": method, "params": params, "rpc_type": "request"}},
                          host.answer(callback))
        return True

    # -- keys -----------------------------------------------------------------------------

    def popup_key(self, key: str) -> bool:
        """A key while a popup is open: True if the popup took it (else it closes and the key goes on)."""
        popup = self.popup
        if not popup.kind:
            return False
        if popup.kind == "completion":
            if key in ("up", "down"):
                popup.move(-1 if key == "up" else 1)
                return True
            if key in ("enter", "tab"):
                self._accept()
                return True
        self.close_popup()
        return key == "escape"

    def close_popup(self) -> None:
        self.popup.close()
        self._completion = None

    def hover(self) -> None:
        """Ask for the hover at the caret (``request_hover``); ``show_hover`` opens the popup."""
        where = self.position()
        if where is None:
            return
        self._hover_id = next(self._hover_ids)
        self._hover_caret = self.host.caret  # an answer after the caret moved is not shown
        self.host.edit("request_hover", {"request_id": self._hover_id,
                                         "position": {"line": where[0], "column": where[1]}})

    def complete(self) -> None:
        """Ask the plugin for completions at the caret; the answer opens the list."""
        where = self.position()
        if where is None:
            return
        caret = self.host.caret

        def done(result: Any, error: Any) -> None:
            host = self.host
            if error:
                host.message = f"completion: {_error_text(error)}"
            elif host.caret != caret:
                return  # the user moved on
            elif not isinstance(result, dict) or not isinstance(result.get("items"), list) or not [
                    i for i in result["items"] if isinstance(i, dict) and isinstance(i.get("label"), str)]:
                host.message = "no completions"
            else:
                items = [i for i in result["items"] if isinstance(i, dict) and isinstance(i.get("label"), str)]
                self._completion = (_count(result.get("line"), where[0]), _count(result.get("start"), where[1]),
                                    _count(result.get("end"), where[1]))
                self._show(lambda: self.popup.show_completions(items), min(len(items), 10) + 2)
            host.refresh_status()

        if self._request("lsp.completion", {"line": where[0], "column": where[1]}, done):
            self.host.message = "completing…"

    def _accept(self) -> None:
        """Insert the chosen completion in place of the text it replaces (what was typed of it)."""
        choice, span = self.popup.choice, self._completion
        self.close_popup()
        if choice is None or span is None:
            return
        line, start, end = span
        text = self._line_text(line)
        count = len(text.encode("utf-8")[start:end].decode("utf-8", "ignore")) if text is not None else end - start
        for _ in range(count):
            self.host.edit("move_left_and_modify_selection")
        insert = choice.get("insert_text")
        self.host.edit("insert", {"chars": insert if isinstance(insert, str) else choice["label"]})

    def _line_text(self, line: int) -> str | None:
        cache = self.host.cache
        where = cache.visual(line, 0)
        if where is None:
            return None
        out, row = "", where[0]
        while True:
            entry = cache.line(row)
            if entry is None:
                return out
            out += entry["text"]
            nxt = cache.line(row + 1)
            if entry["text"].endswith("\n") or nxt is None or nxt.get("ln"):
                return out.rstrip("\n")
            row += 1

    def definition(self) -> None:
        """Go to the definition of the name at the caret (in this file), or say where it is."""
        where = self.position()
        if where is None:
            return

        def done(result: Any, error: Any) -> None:
            host = self.host
            if error:
                host.message = f"definition: {_error_text(error)}"
            elif not isinstance(result, list) or not result or not isinstance(result[0], dict):
                host.message = "no definition found"
            else:
                target = result[0]
                path, line, col = target.get("path"), target.get("line"), target.get("column")
                if type(line) is not int or type(col) is not int:
                    host.message = "no definition found"
                elif isinstance(path, str) and os.path.abspath(path) == host.path:
                    self._jump(line, col)
                    host.message = f"definition: line {line + 1}"
                else:
                    host.message = f"definition in {path}:{line + 1}:{col + 1}"
            host.refresh_status()

        self._request("lsp.definition", {"line": where[0], "column": where[1]}, done)

    def _jump(self, line: int, col: int) -> None:
        host = self.host
        visual = host.cache.visual(line, col) if host.word_wrap else (line, col)
        if visual is None:  # not cached: its line, then the core scrolls there
            host.edit("goto_line", {"line": line})
        else:
            host.edit("gesture", {"line": visual[0], "col": visual[1], "ty": "point_select"})

    def start_rename(self) -> bool:
        """Remember where to rename; False when the caret's line is not known (no prompt then)."""
        self._rename_at = self.position()
        return self._rename_at is not None

    def rename(self, new_name: str) -> None:
        """Rename the symbol where :meth:`start_rename` was asked to ``new_name``, in every place."""
        where, self._rename_at = self._rename_at, None
        if where is None or not new_name:
            return

        def done(result: Any, error: Any) -> None:
            self.host.message = f"rename: {_error_text(error)}" if error else f"renamed to {new_name}"
            self.host.refresh_status()

        self._request("lsp.rename", {"line": where[0], "column": where[1], "new_name": new_name}, done)


def caret_cell(host: LanguageHost, gutter: int) -> tuple[int, int]:
    """The caret's cell in the text area: (column, row) from the view's top-left corner."""
    row, col8 = host.caret
    entry = host.cache.line(row)
    col = col8
    if entry is not None:
        raw = entry["text"].rstrip("\n")
        col = cell_len(raw[:char_col(raw, col8)].expandtabs(host.tab_size))
    return gutter + col - (0 if host.word_wrap else host.left), row - host.first
