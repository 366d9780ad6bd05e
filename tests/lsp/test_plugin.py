"""LspPlugin on xi's plugin protocol, driven by a host written here from raw JSON lines, with the
real pylsp behind it."""

from __future__ import annotations

import json
import os
import queue
import threading
from typing import Any


from symphony.plugins import sdk
from tests.conftest import wait_until

from .conftest import pylsp_config

T = 60
TEXT = "import os\n\n\ndef greet(name):\n    return name\n\n\ngreet('x')\n"  # ASCII: bytes == code points


class Host:
    """The core's side of the wire: sends xi's host messages, answers get_data, keeps the rest."""

    def __init__(self, plugin: Any, text: str) -> None:
        to_plugin_r, self._to_plugin_w = os.pipe()
        self._from_plugin_r, from_plugin_w = os.pipe()
        self.reader = os.fdopen(to_plugin_r, "rb")
        self.writer = os.fdopen(from_plugin_w, "wb")
        self.out = os.fdopen(self._to_plugin_w, "wb")
        self.inp = os.fdopen(self._from_plugin_r, "rb")
        self.text = text
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.plugin_thread = threading.Thread(target=sdk.serve, args=(plugin, self.reader, self.writer), daemon=True)
        self.read_thread = threading.Thread(target=self._read, daemon=True)
        self.plugin_thread.start()
        self.read_thread.start()

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message).encode() + b"\n")
        self.out.flush()

    def _read(self) -> None:
        for line in self.inp:
            message = json.loads(line)
            method = message.get("method")
            params = message.get("params") or {}
            if method == "get_data" and "id" in message:
                start = params["start"]
                self.send({"id": message["id"], "result": {"chunk": self.text[start:start + params["max_size"]],
                                                         "offset": start, "first_line": 0, "first_line_offset": 0}})
            elif method == "line_count" and "id" in message:
                self.send({"id": message["id"], "result": self.text.count("\n") + 1})
            else:
                self.seen.append(message)

    def find(self, method: str, predicate=lambda p: True) -> dict[str, Any] | None:
        for message in list(self.seen):
            if message.get("method") == method and predicate(message.get("params") or {}):
                return message.get("params") or {}
        return None

    def close(self) -> None:
        self.send({"method": "shutdown", "params": {}})
        self.plugin_thread.join(T)
        self.out.close()
        self.writer.close()
        self.read_thread.join(T)
        self.reader.close()
        self.inp.close()


def test_diagnostics_hover_and_rename_through_the_plugin_protocol(tmp_path):
    from symphony.lsp._plugin import LspPlugin

    path = tmp_path / "mod.py"
    path.write_text(TEXT)
    host = Host(LspPlugin({"python": pylsp_config()}), TEXT)
    try:
        host.send({"method": "initialize", "params": {"plugin_id": 1, "buffer_info": [{
            "buffer_id": 1, "views": ["view-id-1"], "rev": 0, "buf_size": len(TEXT), "nb_lines": TEXT.count("\n"),
            "path": str(path), "syntax": "Python", "config": {}}]}})
        unused = lambda p: any("imported but unused" in s["data"]["message"] for s in p.get("spans", ()))  # noqa: E731
        assert wait_until(lambda: host.find("update_annotations", unused), T)
        span = next(s for s in host.find("update_annotations", unused)["spans"]
                    if "imported but unused" in s["data"]["message"])
        assert TEXT[span["start"]:span["end"]] == "import os"
        assert wait_until(lambda: host.find("update_status_item", lambda p: "warning" in p.get("value", ""))
                          or host.find("add_status_item", lambda p: "warning" in p.get("value", "")), T)
        host.send({"method": "get_hover", "params": {"view_id": "view-id-1", "request_id": 7,
                                                      "position": TEXT.index("greet('x')")}})
        assert wait_until(lambda: host.find("show_hover", lambda p: p.get("request_id") == 7), T)
        assert "greet" in json.dumps(host.find("show_hover", lambda p: p.get("request_id") == 7))
        host.send({"method": "custom_command", "params": {"view_id": "view-id-1", "method": "lsp.rename",
                                                           "params": {"position": TEXT.index("name)"),
                                                                      "new_name": "who"}}})
        assert wait_until(lambda: host.find("edit"), T)
    finally:
        host.close()
