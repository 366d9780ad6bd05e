"""``symphony serve`` with plugins: a real server process, a real plugin process, the frontend's wire."""

from __future__ import annotations

import sys

from tests.rpc.xi_client import XiClient

from .conftest import docs, make_plugin, received, wait_until


def test_serve_starts_plugins_from_the_config_dir_and_stops_them(tmp_path, monkeypatch):
    log = make_plugin(str(tmp_path / "config" / "plugins"), "raw")
    other = make_plugin(str(tmp_path / "extra"), "cmd", activations='["on_command"]')
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # not the user's own plugins
    client = XiClient([sys.executable, "-m", "symphony", "serve", "--plugin-dir", str(tmp_path / "extra")])
    try:
        client.notify("client_started", {"config_dir": str(tmp_path / "config")})
        assert wait_until(lambda: received(log, "initialize"))
        view = client.new_view()
        assert wait_until(lambda: client.last("available_plugins") is not None)
        names = {p["name"] for p in client.last("available_plugins")["plugins"]}
        assert names == {"raw", "cmd", "symphony-highlight", "symphony-lsp"}  # and the bundled ones
        client.notify("plugin", {"command": "start", "view_id": view, "plugin_name": "cmd"})
        assert wait_until(lambda: received(other, "initialize"))
        client.notify("plugin", {"command": "stop", "view_id": view, "plugin_name": "cmd"})
        assert wait_until(lambda: received(other, "shutdown"))
        client.edit(view, "insert", {"chars": "hi"})
        assert wait_until(lambda: docs(log, view)[-1:] == [(1, "hi")])
    finally:
        assert client.close() == 0, client.stderr()
    assert received(log, "shutdown")
