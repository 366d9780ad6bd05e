"""A minimal stand-in for the text layer's plugin support (PLUGINS_SPEC.md "Text-layer support"),
used by the host tests only while ``symphony.text.editor`` does not provide it (the
plugin-core branch does). Kept apart from the host so the merge can delete it.

``ListeningBufferActor`` is the real ``BufferActor`` plus: ``listen``/``unlisten`` (an
:class:`EditEvent` after every command that changed the text, delta from a diff of the
ropes), ``plugin_edit`` at the current revision only, and it records every other
``plugin_*`` message it gets, for ``("plugin_log", None)``. With the real support,
``RecordingBufferActor`` only records the ``plugin_*`` messages and passes them on.
``BUFFER_ACTOR`` is the one the tests use.
"""

from __future__ import annotations

from typing import Any

from symphony.errors import PluginProtocolError
from symphony.plugins._text_api import EditEvent
from symphony.text import editor
from symphony.text.editor import BufferActor

NATIVE = hasattr(editor, "EditEvent")


class ListeningBufferActor(BufferActor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listeners: list[Any] = []
        self._rev = 0
        self.plugin_log: list[tuple[str, Any]] = []

    def _fire(self, before: Any, author: str) -> None:
        after = self.buffer.rope
        if after is before or after == before:
            return
        self._rev += 1
        event = EditEvent(rev=self._rev, delta=before.diff(after), old_rope=before, new_rope=after,
                          author=author, edit_type="insert", undo_group=None)
        for listener in list(self._listeners):
            listener(event)

    def on_receive(self, message: Any) -> Any:
        kind, payload = message.kind, message.payload
        if kind == "listen":
            self._listeners.append(payload)
            return self._rev, self.buffer.rope
        if kind == "unlisten":
            if payload in self._listeners:
                self._listeners.remove(payload)
            return None
        if kind == "plugin_log":
            return list(self.plugin_log)
        if kind == "plugin_edit":
            self.plugin_log.append((kind, payload))
            if payload.rev != self._rev:
                raise PluginProtocolError(f"shim: edit at rev {payload.rev}, now {self._rev}")
            before = self.buffer.rope
            view = next(iter(self.buffer.views.values()))
            self.buffer.apply(view, list(payload.delta.edits()), "plugin", lambda ends: view.regions)
            self.buffer.flush()
            self._fire(before, payload.plugin)
            return None
        if kind.startswith("plugin_"):
            self.plugin_log.append((kind, payload))
            return None
        before = self.buffer.rope
        try:
            return super().on_receive(message)
        finally:
            self._fire(before, "user")


class RecordingBufferActor(BufferActor):
    """The real buffer actor, recording each ``plugin_*`` message it is sent (``plugin_log``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plugin_log: list[tuple[str, Any]] = []

    def on_receive(self, message: Any) -> Any:
        if message.kind == "plugin_log":
            return list(self.plugin_log)
        if message.kind.startswith("plugin_"):
            self.plugin_log.append((message.kind, message.payload))
        return super().on_receive(message)


BUFFER_ACTOR = RecordingBufferActor if NATIVE else ListeningBufferActor
