"""What each xi protocol method takes: the shape of ``edit``'s inner params and the type of each
setting, checked where a request comes in so a wrong one is refused before anything changes.

xi-editor's ``frontend-protocol.md`` is the reference: a parameter it shows without ``?``
is required (``save`` needs ``file_path``, ``resize`` both ``width`` and ``height``, ``find``
both ``chars`` and ``case_sensitive``). The recording methods' ``recording_name`` is optional
here (it defaults to ``"DEFAULT"``, as ``docs/protocol.md`` says).
"""

from __future__ import annotations

from typing import Any

from ..errors import RpcError
from ..text.editor import DEFAULT_CONFIG
from ._peer import INVALID_PARAMS

__all__ = ["QUICK_EDITS", "check_edit_params", "check_setting", "is_quick_edit"]

#: Edit methods whose params are an object, with the keys it must have.
OBJECT_PARAMS: dict[str, tuple[str, ...]] = {
    "insert": ("chars",),
    "paste": ("chars",),
    "goto_line": ("line",),
    "resize": ("width", "height"),
    "gesture": ("line", "col", "ty"),
    "find": ("chars", "case_sensitive"),
    "multi_find": ("queries",),
    "highlight_find": ("visible",),
    "replace": ("chars",),
    "find_next": (),
    "find_previous": (),
    "selection_for_find": (),
    "selection_for_replace": (),
    "toggle_recording": (),
    "play_recording": (),
    "clear_recording": (),
}
#: Edit methods whose params are an array (``[first, last)``, ``[line, col, ...]``).
ARRAY_PARAMS = frozenset({"scroll", "request_lines", "click", "drag"})
_MOVES = ("move_left", "move_right", "move_up", "move_down", "move_word_left", "move_word_right",
          "move_to_left_end_of_line", "move_to_right_end_of_line", "move_to_beginning_of_paragraph",
          "move_to_end_of_paragraph", "move_to_beginning_of_document", "move_to_end_of_document",
          "scroll_page_up", "scroll_page_down")
#: Edit methods that take no params (absent, ``null``, ``{}`` or ``[]``).
NO_PARAMS = frozenset({
    "delete_backward", "delete_forward", "delete_word_backward", "delete_word_forward",
    "delete_to_beginning_of_line", "delete_to_end_of_paragraph", "yank", "insert_newline", "insert_tab",
    "select_all", "collapse_selections", "cancel_operation", "add_selection_above", "add_selection_below",
    "selection_into_lines", "duplicate_line", "transpose", "uppercase", "lowercase", "capitalize", "indent",
    "outdent", "copy", "cut", "undo", "redo", "find_all", "replace_next", "replace_all", "debug_get_contents",
    "resync",
    "increase_number", "decrease_number", "page_up_and_modify_selection", "page_down_and_modify_selection",
    "move_page_up", "move_page_down", *_MOVES, *(m + "_and_modify_selection" for m in _MOVES),
})

#: Edit methods a keystroke sends, whose work is bounded by the cursors and the visible
#: region (never by the document): the reader thread may run them itself when the buffer
#: actor is idle. The rest (find, replace_all, undo, paste, case changes, ...) can take long
#: in a big document and always run on the actor's dispatcher thread.
QUICK_EDITS = frozenset({
    "insert", "insert_newline", "insert_tab", "delete_backward", "delete_forward", "delete_word_backward",
    "delete_word_forward", "collapse_selections", "cancel_operation", "goto_line", "scroll", "gesture",
    "click", "drag", "resize", "move_page_up", "move_page_down", "page_up_and_modify_selection",
    "page_down_and_modify_selection", *_MOVES, *(m + "_and_modify_selection" for m in _MOVES),
})
#: Longest ``insert`` (characters) that counts as a keystroke.
QUICK_INSERT = 256


def is_quick_edit(method: str, params: Any) -> bool:
    """Whether edit ``method(params)`` is one of :data:`QUICK_EDITS` (an ``insert`` of at most
    :data:`QUICK_INSERT` characters)."""
    if method not in QUICK_EDITS:
        return False
    if method == "insert":
        chars = params.get("chars") if isinstance(params, dict) else None
        return isinstance(chars, str) and len(chars) <= QUICK_INSERT
    return True


def check_edit_params(method: str, params: Any) -> None:
    """Raise ``RpcError(-32602)`` unless ``params`` has the shape edit method ``method`` takes
    (the buffer checks the values; an unknown method is left for it to refuse with -32601)."""
    required = OBJECT_PARAMS.get(method)
    if required is not None:
        if params is None and not required:
            return
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, f"params must be an object, not {_kind(params)}")
        missing = [key for key in required if key not in params]
        if missing:
            raise RpcError(INVALID_PARAMS, f"missing parameter {', '.join(repr(k) for k in missing)}")
    elif method in ARRAY_PARAMS:
        if not isinstance(params, list):
            raise RpcError(INVALID_PARAMS, f"params must be an array, not {_kind(params)}")
    elif method in NO_PARAMS:
        if params not in (None, {}, []) or isinstance(params, bool):
            raise RpcError(INVALID_PARAMS, f"takes no params, not {_kind(params)}")


def check_setting(key: str, value: Any) -> None:
    """Raise ``RpcError(-32602)`` unless ``value`` is valid for setting ``key``: its own type
    (a boolean setting takes ``true``/``false``, never a number) and within range."""
    if key not in DEFAULT_CONFIG:
        raise RpcError(INVALID_PARAMS, f"unknown setting {key}")
    default = DEFAULT_CONFIG[key]
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif key == "font_size":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1000
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= (1 if key == "tab_size" else 0)
        ok = ok and (key != "tab_size" or value <= 64)
    elif key == "line_ending":
        ok = value in ("\n", "\r\n")
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise RpcError(INVALID_PARAMS, f"setting {key} has the wrong type or value: {value!r}")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")
