"""What the core sends a plugin, checked: the params of xi's ``HostNotification`` and
``HostRequest`` (``core-lib/src/plugins/rpc.rs``), each read into plain values or refused
with ``RpcError(-32602)`` before anything changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import RpcError
from ...rpc import INVALID_PARAMS

__all__ = ["STOPPING", "BufferInfo", "UpdateParams", "buffer_infos", "count", "field", "is_view_id",
           "update_params"]

#: The code of the error the core answers a plugin's request with once it has begun to stop
#: that plugin (before the plugin has its ``shutdown``): a hook that fails on it was cut short
#: by the close, and is no bug of the plugin's.
STOPPING = -32001


def _bad(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, message)


def field(params: Any, key: str) -> Any:
    """``params[key]``; -32602 if params is not an object or lacks ``key``."""
    if not isinstance(params, dict):
        raise _bad("params must be an object")
    if key not in params:
        raise _bad(f"missing parameter {key!r}")
    return params[key]


def count(params: Any, key: str) -> int:
    """``params[key]`` as a non-negative integer (a float, bool or string is refused)."""
    value = field(params, key)
    if type(value) is not int or value < 0:
        raise _bad(f"{key} must be a non-negative integer, not {value!r}")
    return value


def text(params: Any, key: str) -> str:
    value = field(params, key)
    if not isinstance(value, str):
        raise _bad(f"{key} must be a string, not {value!r}")
    return value


def is_view_id(value: Any) -> bool:
    """xi's ``ViewId`` is a string (``"view-id-1"``); a count is taken too."""
    return isinstance(value, str) or (type(value) is int and value >= 0)


def view_id(params: Any) -> Any:
    value = field(params, "view_id")
    if not is_view_id(value):
        raise _bad(f"view_id must be a string, not {value!r}")
    return value


@dataclass(frozen=True)
class BufferInfo:
    """xi's ``PluginBufferInfo``: a buffer and the views the plugin gets of it."""

    buffer_id: Any
    views: tuple[Any, ...]
    rev: int
    buf_size: int
    nb_lines: int
    path: str | None
    syntax: str
    config: dict[str, Any]


def buffer_infos(params: Any) -> list[BufferInfo]:
    """The ``buffer_info`` list of ``initialize`` and ``new_buffer``."""
    infos = field(params, "buffer_info")
    if not isinstance(infos, list):
        raise _bad("buffer_info must be a list")
    out = []
    for info in infos:
        views = field(info, "views")
        if not isinstance(views, list) or not views or not all(is_view_id(v) for v in views):
            raise _bad("buffer_info.views must be a non-empty list of view ids")
        buffer_id = info.get("buffer_id")
        if not (buffer_id is None or isinstance(buffer_id, str) or type(buffer_id) is int):
            raise _bad(f"buffer_id must be a number, not {buffer_id!r}")
        path = info.get("path")
        if path is not None and not isinstance(path, str):
            raise _bad(f"path must be a string, not {path!r}")
        syntax = info.get("syntax", "")
        if not isinstance(syntax, str):
            raise _bad(f"syntax must be a string, not {syntax!r}")
        config = info.get("config", {})
        if not isinstance(config, dict):
            raise _bad("config must be an object")
        out.append(BufferInfo(buffer_id, tuple(views), count(info, "rev"), count(info, "buf_size"),
                              count(info, "nb_lines"), path, syntax, config))
    return out


@dataclass(frozen=True)
class UpdateParams:
    """xi's ``PluginUpdate``."""

    view_id: Any
    delta: dict[str, Any] | None
    new_len: int
    new_line_count: int
    rev: int
    undo_group: int | None
    edit_type: str
    author: str


def update_params(params: Any) -> UpdateParams:
    """The ``update`` request's params (the delta's elements are checked when applied)."""
    vid = view_id(params)
    delta = field(params, "delta")
    if delta is not None and not isinstance(delta, dict):
        raise _bad("delta must be an object or null")
    undo_group = params.get("undo_group")
    if undo_group is not None and (type(undo_group) is not int or undo_group < 0):
        raise _bad(f"undo_group must be a non-negative integer or null, not {undo_group!r}")
    edit_type = params.get("edit_type", "other")
    author = params.get("author", "")
    if not isinstance(edit_type, str) or not isinstance(author, str):
        raise _bad("edit_type and author must be strings")
    return UpdateParams(vid, delta, count(params, "new_len"), count(params, "new_line_count"),
                        count(params, "rev"), undo_group, edit_type, author)
