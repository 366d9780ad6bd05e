"""Plugins for the SDK tests, run out of process (``python -m symphony.plugins.sdk
tests.plugins.sdk_plugins:Recorder``). Each reports what it saw to the test (which plays
the core) as an ``alert`` whose message is ``report:`` and a JSON object."""

from __future__ import annotations

import json
import sys
from typing import Any

from symphony.plugins.sdk import CommandRefused, Plugin, Span, Update, View
from symphony.text import Delta


def report(view: View, **what: Any) -> None:
    view.alert("report:" + json.dumps(what))


class Recorder(Plugin):
    """Reports every hook; commands make it send each kind of plugin message."""

    name = "recorder"
    chunk_size = 5  # several get_data chunks even for short texts (an astral character is 4 bytes)

    def on_initialize(self, plugin_id: int) -> None:
        self.plugin_id = plugin_id
        self.idle_left: dict[Any, int] = {}

    def on_new_view(self, view: View) -> None:
        report(view, hook="new_view", view_id=view.view_id, path=view.path, language=view.language,
               rev=view.rev, config=view.config, plugin_id=self.plugin_id)

    def on_update(self, view: View, update: Update) -> None:
        report(view, hook="update", rev=update.rev, doc=str(view.document), old=str(update.old_document),
               delta=None if update.delta is None else update.delta.edits(), author=update.author,
               edit_type=update.edit_type, undo_group=update.undo_group, view_rev=view.rev)

    def on_save(self, view: View, path: str) -> None:
        report(view, hook="save", path=path, view_path=view.path)

    def on_close(self, view: View) -> None:
        report(view, hook="close")

    def on_config_changed(self, view: View, changes: dict) -> None:  # type: ignore[type-arg]
        report(view, hook="config", changes=changes, before=dict(view.config))

    def on_language_changed(self, view: View, old_language: str) -> None:
        report(view, hook="language", old=old_language, new=view.language)

    def on_hover(self, view: View, request_id: int, position: int) -> None:
        doc = view.document
        view.show_hover(request_id, f"char {doc[position] if position < len(doc) else ''!r} at {position}",
                        (position, min(position + 1, len(doc))))

    def on_idle(self, view: View) -> None:
        left = self.idle_left.get(view.view_id, 0) - 1
        self.idle_left[view.view_id] = left
        report(view, hook="idle", left=left)
        if left > 0:
            view.schedule_idle()

    def on_shutdown(self) -> None:
        print("recorder: shutdown", file=sys.stderr, flush=True)

    def on_command(self, view: View, method: str, params: Any) -> Any:
        return getattr(self, "cmd_" + method)(view, params)

    def cmd_answer(self, view: View, params: Any) -> Any:
        return {"got": params, "rev": view.rev, "doc": str(view.document)}

    def cmd_refuse(self, view: View, params: Any) -> None:
        raise CommandRefused(-32602, "refused: bad params")

    def cmd_doc(self, view: View, params: Any) -> None:
        report(view, hook="doc", doc=str(view.document), rev=view.rev)

    def cmd_line(self, view: View, params: Any) -> None:
        data = view.get_data(params["line"], unit="line", max_size=params["max_size"])
        report(view, hook="line", chunk=data.chunk, offset=data.offset, first_line=data.first_line,
               first_line_offset=data.first_line_offset)

    def cmd_spans(self, view: View, params: Any) -> None:
        view.add_scopes([["source.test", "keyword"], ["comment"]])
        view.update_spans(params["start"], params["length"], [Span(*s) for s in params["spans"]], params.get("rev"))

    def cmd_annotations(self, view: View, params: Any) -> None:
        view.update_annotations(params["start"], params["length"], params["annotations"], params["type"])

    def cmd_edit(self, view: View, params: Any) -> None:
        rev = params.get("rev", view.rev)
        base = view.text_at(rev)
        delta = Delta.replace(len(base), params["start"], params["end"], params["text"])
        view.edit(delta, priority=params.get("priority", 100_000), after_cursor=params.get("after_cursor", False),
                  new_undo_group=params.get("new_undo_group", True), rev=params.get("rev"))

    def cmd_status(self, view: View, params: Any) -> None:
        view.add_status_item("k", "one", "right")
        view.update_status_item("k", "two")
        view.remove_status_item("k")

    def cmd_idle(self, view: View, params: Any) -> None:
        self.idle_left[view.view_id] = params["times"]
        view.schedule_idle(params.get("delay", 0.0))

    def cmd_boom(self, view: View, params: Any) -> None:
        raise RuntimeError("boom on purpose")

    def cmd_print(self, view: View, params: Any) -> None:
        print("printed by the plugin")  # must land on stderr, not in the protocol stream
        report(view, hook="printed")


class Quiet(Plugin):
    """Overrides no update hook: the SDK must not fetch any text until asked."""

    name = "quiet"

    def on_command(self, view: View, method: str, params: Any) -> None:
        report(view, hook="doc", doc=str(view.document), rev=view.rev)


class Broken(Plugin):
    """Every hook raises."""

    name = "broken"

    def on_new_view(self, view: View) -> None:
        raise ValueError("new_view on purpose")

    def on_update(self, view: View, update: Update) -> None:
        raise ValueError("update on purpose")

    def on_hover(self, view: View, request_id: int, position: int) -> None:
        raise ValueError("hover on purpose")


class NotAPlugin:
    pass


class Unbuildable(Plugin):
    def __init__(self) -> None:
        raise RuntimeError("cannot build on purpose")
