"""``serve`` in process, on a pair of pipes: the hooks run on the calling thread, ``shutdown``
returns, and closing the input ends the peer's reader thread."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from symphony.plugins.sdk import Plugin, Update, View, serve


class Collector(Plugin):
    name = "collector"

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.threads: set[threading.Thread] = set()

    def on_initialize(self, plugin_id: int) -> None:
        self.events.append(("initialize", plugin_id))
        self.threads.add(threading.current_thread())

    def on_update(self, view: View, update: Update) -> None:
        self.events.append(("update", (str(update.old_document), str(view.document), update.delta.edits())))
        self.threads.add(threading.current_thread())

    def on_command(self, view: View, method: str, params: object) -> None:
        view.call_soon(lambda: view.alert(f"later {method}"))
        view.alert(f"now {method}")

    def on_shutdown(self) -> None:
        self.events.append(("shutdown", None))


def test_serve_in_process(no_leaked_threads):
    r_in, w_in = os.pipe()
    r_out, w_out = os.pipe()
    with os.fdopen(r_in, "rb") as reader, os.fdopen(w_out, "wb") as writer, \
            os.fdopen(w_in, "wb") as core_out, os.fdopen(r_out, "rb") as core_in:
        plugin = Collector()
        thread = threading.Thread(target=serve, args=(plugin, reader, writer))
        thread.start()

        def send(msg: dict[str, Any]) -> None:
            core_out.write(json.dumps(msg).encode() + b"\n")
            core_out.flush()

        def receive() -> dict[str, Any]:
            return json.loads(core_in.readline())

        send({"method": "initialize", "params": {"plugin_id": 1, "buffer_info": [
            {"buffer_id": 1, "views": ["view-id-1"], "rev": 0, "buf_size": 2, "nb_lines": 1, "syntax": "Plain Text",
             "config": {}}]}})
        send({"id": 0, "method": "update", "params": {
            "view_id": "view-id-1", "delta": {"base_len": 2, "els": [{"copy": [0, 2]}, {"insert": "é"}]},
            "new_len": 4, "new_line_count": 1, "rev": 1, "undo_group": None, "edit_type": "insert", "author": "u"}})
        get_data = receive()  # the old text, which on_update wants
        assert get_data["method"] == "get_data" and get_data["params"]["rev"] == 0
        send({"id": get_data["id"], "result": {"chunk": "ab", "offset": 0, "first_line": 0, "first_line_offset": 0}})
        assert receive() == {"jsonrpc": "2.0", "id": 0, "result": 1}
        send({"method": "custom_command", "params": {"view_id": "view-id-1", "method": "go", "params": {}}})
        assert [receive()["params"]["msg"] for _ in range(2)] == ["now go", "later go"]
        send({"method": "shutdown", "params": {}})
        thread.join(30)
        assert not thread.is_alive()
        assert plugin.events == [("initialize", 1), ("update", ("ab", "abé", [(2, 2, "é")])), ("shutdown", None)]
        assert plugin.threads == {thread}
        core_out.close()  # the peer's reader thread sees the end of input and ends
