"""The view's window: ``scroll``, ``resize`` (which may change the wrap width) and
``request_lines``."""

from __future__ import annotations

from typing import Any

from ._state import MAX_SCROLL_HEIGHT, BufferState, pair, param
from ._view import View

__all__ = ["ScrollCommands"]


class ScrollCommands(BufferState):
    """The commands that move or size a view's window."""

    def cmd_scroll(self, view: View, params: Any) -> None:
        first, last = pair(params)
        view.requested = None
        view.first = max(0, first)
        view.height = max(0, min(last - first, MAX_SCROLL_HEIGHT))

    def cmd_resize(self, view: View, params: Any) -> None:
        view.width = float(param(params, "width", (int, float)))
        param(params, "height", (int, float), 0)  # the scroll window gives the line count
        if (self.config["word_wrap"] and self.config["wrap_width"] <= 0 and view.char_width is None
                and self.request is not None):
            view.char_width = 1.0  # until the frontend answers

            def measured(result: Any) -> None:
                try:
                    width = float(result[0][0])
                except (TypeError, ValueError, IndexError, KeyError):
                    return
                if width > 0 and view.view_id in self.views:
                    view.char_width = width
                    self.configure_wrap()

            self.request("measure_width", [{"id": 0, "strings": ["0"]}], measured)
        self.configure_wrap()

    def cmd_request_lines(self, view: View, params: Any) -> None:
        first, last = pair(params)
        view.requested = (first, last)
