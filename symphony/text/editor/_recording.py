"""Recording edit commands under a name and playing them back as one undo step."""

from __future__ import annotations

from typing import Any

from ...errors import RpcError
from ._state import INVALID_PARAMS, BufferState, param
from ._view import View

__all__ = ["NOT_RECORDED", "RecordingCommands"]

#: Edit methods a recording does not keep (they control recording, the view, or only read).
NOT_RECORDED = frozenset({"toggle_recording", "play_recording", "clear_recording", "scroll", "resize",
                           "request_lines", "copy", "debug_get_contents", "resync"})


class RecordingCommands(BufferState):
    """The commands that record and play back edit commands."""

    def _recording_name(self, params: Any) -> str:
        name = param(params, "recording_name", str, "DEFAULT") if isinstance(params, dict) else "DEFAULT"
        return name or "DEFAULT"

    def cmd_toggle_recording(self, view: View, params: Any) -> None:
        name = self._recording_name(params)
        if self.recording is None:
            self.recording = name
            self.recordings[name] = []
        else:
            self.recording = None

    def cmd_play_recording(self, view: View, params: Any) -> None:
        name = self._recording_name(params)
        steps = list(self.recordings.get(name, ()))
        if self.recording == name:
            raise RpcError(INVALID_PARAMS, f"recording {name!r} is still being recorded")
        self.history.seal()
        start = len(self.history.undo_stack)
        for method, params_ in steps:
            self._commands[method](view, params_)
        self.history.collapse(start)
        self.history.seal()

    def cmd_clear_recording(self, view: View, params: Any) -> None:
        name = self._recording_name(params)
        self.recordings.pop(name, None)
        if self.recording == name:
            self.recording = None
