"""What the host uses of the text layer's plugin support (PLUGINS_SPEC.md, "Text-layer support").

The buffer actor (``symphony.text.editor.BufferActor``) takes these messages: ``listen``
(answers ``(rev, rope)``; the callback gets an :class:`EditEvent` after every edit),
``unlisten``, ``plugin_edit`` (a :class:`PluginEdit`), ``plugin_scopes``, ``plugin_spans``,
``plugin_annotations``, ``plugin_gone``. The two record types come from
``symphony.text.editor`` when it defines them; until then, structurally equal local
definitions stand in (the host only reads their fields, by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..text import editor as _editor
from ..text import Delta, Rope

__all__ = ["EditEvent", "PluginEdit"]


@dataclass(frozen=True)
class _EditEvent:
    """An edit the buffer made (see the module docstring)."""

    rev: int
    delta: Delta
    old_rope: Rope
    new_rope: Rope
    author: str
    edit_type: str
    undo_group: int | None


@dataclass(frozen=True)
class _PluginEdit:
    """A plugin's edit, on the text at ``rev`` (see the module docstring)."""

    plugin: str
    rev: int
    delta: Delta
    priority: int
    after_cursor: bool
    new_undo_group: bool


EditEvent: Any = getattr(_editor, "EditEvent", _EditEvent)
PluginEdit: Any = getattr(_editor, "PluginEdit", _PluginEdit)
