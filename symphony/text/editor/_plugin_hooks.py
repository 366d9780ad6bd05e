"""``PluginHooks``: what a buffer does for plugins (the plugin host calls it through
:class:`~symphony.text.editor.BufferActor` messages).

- Revisions and listeners: every edit (typing, paste, undo, redo, a plugin's edit) gets a
  revision and an :class:`EditEvent` to each listener, in the buffer's own thread, once
  the frontend has the edit's `update`.
- Plugin edits made at an older revision, carried over what happened since
  (:meth:`RevisionLog.rebase`) and applied as one undo step.
- Scope tables, style spans and annotations per plugin, given at a revision and carried
  over the later edits (:class:`SpanStore`), so nothing shown is ever stale.

Every input from a plugin is checked before anything changes: a bad one raises
:class:`~symphony.errors.PluginProtocolError` and the buffer is as it was.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

from ...errors import PluginProtocolError
from .._delta import Delta
from .._rope import Rope
from ._annotations import PluginAnnotations
from ._revisions import USER_PRIORITY, EditEvent, PluginEdit, RevisionLog, edit_type_of
from ._spans import SpanStore
from ._state import BufferState
from ._styles import PluginStyles, StyleMap

__all__ = ["Listener", "PluginHooks"]

logger = logging.getLogger(__name__)

#: Called with each :class:`EditEvent`, in the buffer's thread; it must not block.
Listener = Callable[[EditEvent], None]


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        shown = "NaN" if isinstance(value, float) and math.isnan(value) else repr(value)[:40]
        raise PluginProtocolError(f"{what} must be an integer, not {shown}")
    if value < 0:
        raise PluginProtocolError(f"{what} must not be negative ({value})")
    return value


def _plugin_name(plugin: Any) -> str:
    if not isinstance(plugin, str) or not plugin:
        raise PluginProtocolError("a plugin is named by a non-empty string")
    return plugin


def _triple(item: Any, data_key: str) -> tuple[Any, Any, Any]:
    if isinstance(item, dict):
        return item.get("start"), item.get("end"), item.get(data_key)
    if isinstance(item, (list, tuple)) and len(item) == 3:
        return item[0], item[1], item[2]
    if hasattr(item, "start") and hasattr(item, "end") and hasattr(item, data_key):
        return item.start, item.end, getattr(item, data_key)
    raise PluginProtocolError(f"a span is (start, end, {data_key}), not {repr(item)[:60]}")


class PluginHooks(BufferState):
    """The buffer's side of plugins (see the module docs)."""

    revisions: RevisionLog
    listeners: list[Listener]
    pending_events: list[EditEvent]
    styles: PluginStyles
    annotations: PluginAnnotations
    _undo_group: int | None

    def _init_plugins(self, style_map: StyleMap | None) -> None:
        self.revisions = RevisionLog(len(self.rope))
        self.listeners = []
        self.pending_events = []
        self.styles = PluginStyles(style_map if style_map is not None else StyleMap(), self.send)
        self.annotations = PluginAnnotations()

    def flush(self) -> None:
        raise NotImplementedError

    # -- every edit ----------------------------------------------------------------------

    def edited(self, old: Rope, new: Rope, delta: Delta, kind: str, undo_group: int | None,
               author: str = "user", priority: int = USER_PRIORITY) -> None:
        """Record an edit the buffer just made: a new revision, spans and annotations
        carried over it, and an :class:`EditEvent` to each listener."""
        rev = self.revisions.record(delta, priority)
        if self.styles.used or self.annotations.stores:
            for start, end, text in reversed(delta.edits()):
                self.styles.edit(start, end, len(text))
                self.annotations.edit(start, end, len(text))
        if self.listeners:
            self.pending_events.append(EditEvent(rev, delta, old, new, author, edit_type_of(kind), undo_group))

    def notify_listeners(self) -> None:
        """Give each listener the edits made since the last call, in order.

        ``flush`` calls this once the frontend has its ``update``: a listener (a plugin's
        actor woken up, say) then never competes with the keystroke's own rendering.
        """
        events, self.pending_events = self.pending_events, []
        for event in events:
            for listener in list(self.listeners):
                try:
                    listener(event)
                except Exception:  # a listener's bug must not break the buffer
                    logger.exception("edit listener %r failed", listener)

    def listen(self, listener: Listener) -> tuple[int, Rope]:
        """Call ``listener`` after every edit; returns ``(rev, rope)`` as they are now."""
        if not callable(listener):
            raise PluginProtocolError("a listener must be callable")
        if listener not in self.listeners:
            self.listeners.append(listener)
        return self.revisions.rev, self.rope

    def unlisten(self, listener: Listener) -> None:
        """Stop calling ``listener`` (nothing if it was not listening)."""
        if listener in self.listeners:
            self.listeners.remove(listener)

    # -- from plugins ----------------------------------------------------------------------

    def plugin_edit(self, edit: PluginEdit) -> None:
        """Apply a plugin's edit made at ``edit.rev`` (xi's ``try_edit_rev``), one undo step."""
        if not isinstance(edit, PluginEdit):
            raise PluginProtocolError(f"plugin_edit takes a PluginEdit, not {type(edit).__name__}")
        name = _plugin_name(edit.plugin)
        if not isinstance(edit.delta, Delta):
            raise PluginProtocolError("a plugin edit's delta must be a Delta")
        _int(edit.rev, "rev")
        if type(edit.priority) is not int:
            raise PluginProtocolError("priority must be an integer")
        delta = self.revisions.rebase(edit.delta, edit.rev, edit.priority)
        if delta.is_identity:
            return
        self.apply_delta(delta, "plugin", author=name, priority=edit.priority,
                         after_cursor=bool(edit.after_cursor), join=not edit.new_undo_group)
        self.flush()

    def apply_delta(self, delta: Delta, kind: str, *, author: str, priority: int, after_cursor: bool,
                    join: bool) -> None:
        raise NotImplementedError  # defined by Buffer

    def _span_range(self, start: Any, length: Any, rev: Any) -> tuple[int, int, int]:
        start = _int(start, "start")
        length = _int(length, "length")
        size = self.revisions.length_at(_int(rev, "rev"))
        if start + length > size:
            raise PluginProtocolError(f"range {start}..{start + length} is past the end ({size}) of revision {rev}")
        return start, start + length, rev

    def _carry(self, start: int, end: int, spans: list[tuple[int, int, Any]], rev: int
               ) -> tuple[int, int, list[tuple[int, int, Any]]]:
        """Spans in ``[start, end)`` of the text at ``rev``, carried to now (as stored spans are)."""
        later = self.revisions.deltas_since(rev)
        if not later:
            return start, end, spans
        store: SpanStore[Any] = SpanStore(later[0][0].base_len)
        store.replace(start, end, spans)
        for delta, _ in later:
            for s, e, text in reversed(delta.edits()):
                store.edit(s, e, len(text))
            start = delta.map_offset(start)
            end = delta.map_offset(end, after=True)
        return start, end, store.query(start, end)

    def _checked_spans(self, items: Any, length: int, data_key: str, scopes: int | None,
                       start: int) -> list[tuple[int, int, Any]]:
        """The spans (relative, as sent) made absolute, after checking them all: inside
        ``length``, in order, not overlapping, and (``scopes`` given) each value an index
        below it. Empty spans are dropped."""
        if not isinstance(items, (list, tuple)):
            raise PluginProtocolError("spans must be a list")
        out: list[tuple[int, int, Any]] = []
        append = out.append
        prev = 0
        for item in items:
            if type(item) is tuple and len(item) == 3:
                a, b, v = item
            else:
                a, b, v = _triple(item, data_key)
            if type(a) is not int or type(b) is not int or a < prev or b < a or b > length:
                _int(a, "a span's start")
                _int(b, "a span's end")
                if b < a or b > length:
                    raise PluginProtocolError(f"span {a}..{b} is not inside 0..{length}")
                raise PluginProtocolError(f"span {a}..{b} overlaps or precedes the span before it")
            if scopes is not None and (type(v) is not int or not 0 <= v < scopes):
                _int(v, "a scope index")
                raise PluginProtocolError(f"unknown scope index {v} (the plugin has {scopes} scopes)")
            if b > a:
                append((a + start, b + start, v))
                prev = b
        return out

    def plugin_scopes(self, plugin: Any, scopes: Any) -> None:
        """Append scope stacks to the plugin's table (xi ``add_scopes``)."""
        name = _plugin_name(plugin)
        if not isinstance(scopes, (list, tuple)) or not all(
                isinstance(stack, (list, tuple)) and all(isinstance(s, str) for s in stack) for stack in scopes):
            raise PluginProtocolError("scopes must be a list of lists of strings")
        self.styles.add_scopes(name, [list(stack) for stack in scopes], len(self.rope))

    def plugin_spans(self, plugin: Any, start: Any, length: Any, spans: Any, rev: Any) -> None:
        """Replace the plugin's spans in ``[start, start + length)`` of the text at ``rev``
        (xi ``update_spans``; spans relative to ``start``)."""
        name = _plugin_name(plugin)
        start, end, rev = self._span_range(start, length, rev)
        layer = self.styles.layers.get(name)
        found = self._checked_spans(spans, end - start, "scope_id", len(layer.scopes) if layer else 0, start)
        start, end, found = self._carry(start, end, found, rev)
        self.styles.replace(name, start, end, found, len(self.rope))
        self._restyled(start, end)
        self.flush()

    def plugin_preview(self, plugin: Any, scopes: Any, start: Any, length: Any, spans: Any, rev: Any) -> None:
        """Show ``spans`` (scope ids index ``scopes``, a table of their own) in ``[start, start +
        length)`` of the text at ``rev`` for the plugin until its own ``update_spans`` cover
        them: its first screen, coloured in the core's process while it starts. Ignored when
        the plugin has sent spans already (they are newer)."""
        name = _plugin_name(plugin)
        if self.styles.has_spans(name):
            return
        if not isinstance(scopes, (list, tuple)) or not all(
                isinstance(stack, (list, tuple)) and all(isinstance(s, str) for s in stack) for stack in scopes):
            raise PluginProtocolError("scopes must be a list of lists of strings")
        start, end, rev = self._span_range(start, length, rev)
        found = self._checked_spans(spans, end - start, "scope_id", len(scopes), start)
        start, end, found = self._carry(start, end, found, rev)
        self.styles.preview(name, [list(stack) for stack in scopes], start, end, found, len(self.rope))
        self._restyled(start, end)
        self.flush()

    def plugin_annotations(self, plugin: Any, start: Any, length: Any, annotations: Any, annotation_type: Any,
                           rev: Any) -> None:
        """Replace the plugin's annotations of ``annotation_type`` in ``[start, start + length)``
        of the text at ``rev`` (xi ``update_annotations``; spans ``{start, end, data}``
        relative to ``start``)."""
        name = _plugin_name(plugin)
        if not isinstance(annotation_type, str) or not annotation_type:
            raise PluginProtocolError("annotation_type must be a non-empty string")
        start, end, rev = self._span_range(start, length, rev)
        found = self._checked_spans(annotations, end - start, "data", None, start)
        start, end, found = self._carry(start, end, found, rev)
        self.annotations.update(name, annotation_type, start, end, found, len(self.rope))
        self.flush()

    def plugin_gone(self, plugin: Any) -> None:
        """Forget the plugin's scopes, spans and annotations (it stopped or crashed)."""
        name = _plugin_name(plugin)
        self.styles.drop(name)
        self.annotations.drop(name)
        self._restyled(0, len(self.rope))
        self.flush()

    def restyle(self) -> None:
        """Send the lines on screen again with their styles resolved afresh (a theme change)."""
        self._restyled(0, len(self.rope))
        self.flush()

    def _restyled(self, start: int, end: int) -> None:
        """The styles of text ``[start, end)`` changed: its lines are read again at the next
        render (as lines whose text changed are)."""
        rope = self.rope
        first = rope.line_of_offset(start)
        tail = rope.line_count - 1 - rope.line_of_offset(end)
        for view in self.views.values():
            view.note_restyle(first, tail)

    def plugin_message(self, kind: str, payload: Any) -> Any:
        """Run one of the BufferActor's plugin messages (see :class:`BufferActor`)."""
        if kind == "listen":
            return self.listen(payload)
        if kind == "unlisten":
            self.unlisten(payload)
            return None
        if kind == "plugin_edit":
            self.plugin_edit(payload)
            return None
        if kind == "plugin_gone":
            self.plugin_gone(payload)
            return None
        args = _args(payload, {"plugin_scopes": 2, "plugin_spans": 5, "plugin_preview": 6,
                               "plugin_annotations": 6}[kind], kind)
        if kind == "plugin_scopes":
            self.plugin_scopes(*args)
        elif kind == "plugin_spans":
            self.plugin_spans(*args)
        elif kind == "plugin_preview":
            self.plugin_preview(*args)
        else:
            self.plugin_annotations(*args)
        return None


#: The BufferActor messages :meth:`PluginHooks.plugin_message` runs.
PLUGIN_MESSAGES = frozenset({"listen", "unlisten", "plugin_edit", "plugin_scopes", "plugin_spans",
                             "plugin_preview", "plugin_annotations", "plugin_gone"})


def _args(payload: Any, n: int, kind: str) -> Sequence[Any]:
    if not isinstance(payload, (list, tuple)) or len(payload) != n:
        raise PluginProtocolError(f"{kind} takes a tuple of {n} values")
    return payload
