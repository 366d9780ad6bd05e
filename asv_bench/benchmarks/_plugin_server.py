"""``python -m asv_bench.benchmarks._plugin_server ARGS``: ``symphony serve ARGS`` for the plugin benchmark.

Until the text layer tells listeners of edits itself (``BufferActor``'s ``listen``, on the
plugin-core branch), this installs a stand-in first: the real ``BufferActor`` whose
``Buffer.apply`` (the one place a command edits the text) also builds the edit's
:class:`~symphony.text.Delta` from the edits it applied, O(edits); the listeners are called
once the command is done (its ``update`` to the frontend already sent).
With the real support present it changes nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from symphony.plugins._text_api import EditEvent
from symphony.text import Delta
from symphony.text import editor
from symphony.text.editor import BufferActor


class _ListeningBufferActor(BufferActor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listeners: list[Any] = []
        self._rev = 0
        self._pending: list[Any] = []
        buffer = self.buffer
        apply = buffer.apply

        def apply_and_tell(view: Any, edits: Any, kind: str, carets: Any = None) -> None:
            old = buffer.rope
            apply(view, edits, kind, carets)
            if buffer.rope is old or not self._listeners:
                return
            ops: list[int | str] = []
            pos = 0
            for s, e, t in edits:
                if s > pos:
                    ops.append(s - pos)
                if t:
                    ops.append(t)
                if e > s:
                    ops.append(s - e)
                pos = e
            if pos < len(old):
                ops.append(len(old) - pos)
            self._rev += 1
            self._pending.append(EditEvent(rev=self._rev, delta=Delta(ops), old_rope=old, new_rope=buffer.rope,
                                           author="user", edit_type=kind, undo_group=None))

        buffer.apply = apply_and_tell  # type: ignore[method-assign]

    def on_receive(self, message: Any) -> Any:
        if message.kind == "listen":
            self._listeners.append(message.payload)
            return self._rev, self.buffer.rope
        if message.kind == "unlisten":
            if message.payload in self._listeners:
                self._listeners.remove(message.payload)
            return None
        if message.kind.startswith("plugin_"):
            return None
        try:
            return super().on_receive(message)
        finally:  # after the command, so the frontend's update is on its way first
            pending, self._pending = self._pending, []
            for event in pending:
                for listener in self._listeners:
                    listener(event)


def main() -> int:
    if not hasattr(editor, "EditEvent"):
        import symphony.rpc._core

        symphony.rpc._core.BufferActor = _ListeningBufferActor  # type: ignore[misc]
    from symphony.cli import main as cli_main

    return cli_main(["serve", *sys.argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
