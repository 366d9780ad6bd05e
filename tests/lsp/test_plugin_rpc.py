"""``symphony serve`` with its bundled LSP plugin and the real pylsp: the frontend's ``plugin_rpc``
requests answered with completion items, locations and signatures (frontend units: logical line,
UTF-8 column); bad params are errors; a status item still shows each answer."""

from __future__ import annotations

import sys

from tests.conftest import wait_until
from tests.rpc.xi_client import XiClient

from .conftest import pylsp_config

T = 90
TEXT = "import os\n\n\ndef greet(name):\n    return name\n\n\n# é\ngreet('x')\nos.pa\n"


def ask(client, view, method, params):
    return client.request_raw("plugin", {"command": "plugin_rpc", "view_id": view, "receiver": "symphony-lsp",
                                         "rpc": {"method": method, "params": params, "rpc_type": "request"}},
                              timeout=T)


def test_completion_definition_references_signature_as_answers(tmp_path, monkeypatch):
    pylsp_config()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "mod.py"
    path.write_text(TEXT)
    client = XiClient([sys.executable, "-m", "symphony", "serve"])
    try:
        client.notify("client_started", {})
        view = client.new_view(str(path))
        # the LSP plugin is up for the view once its diagnostics status item appears
        assert wait_until(lambda: any(m["method"] == "add_status_item" and m["params"].get("key") == "lsp.diagnostics"
                                      for m in client.notifications), T)
        answer = ask(client, view, "lsp.completion", {"line": 9, "column": 5})  # after "os.pa"
        result = answer["result"]
        labels = [item["label"] for item in result["items"]]
        assert "path" in labels, labels[:20]
        item = result["items"][labels.index("path")]
        assert item["insert_text"] == "path" and item["kind"] in ("module", "variable")
        assert (result["line"], result["start"], result["end"]) == (9, 3, 5)  # "pa" is replaced
        # definition of greet at its call (line 8, which follows a line with a two-byte character)
        answer = ask(client, view, "lsp.definition", {"line": 8, "column": 1})
        assert answer["result"] == [{"path": str(path), "line": 3, "column": 4}]
        answer = ask(client, view, "lsp.references", {"line": 3, "column": 5})
        assert sorted((r["line"], r["column"]) for r in answer["result"]) == [(3, 4), (8, 0)]
        answer = ask(client, view, "lsp.signature_help", {"line": 8, "column": 6})
        assert "name" in answer["result"]["label"]
        assert wait_until(lambda: any(m["method"] in ("add_status_item", "update_status_item") and m["params"].get("key") == "lsp.definition"
                                      for m in client.notifications), T)
        # bad params: an error answer, an alert; the core and the plugin go on
        for params in [{"line": -1, "column": 0}, {"line": 99, "column": 0}, {"line": "0", "column": 0},
                       {"position": 10**9}, {"line": 0}]:
            answer = ask(client, view, "lsp.definition", params)
            assert answer["error"]["code"] == -32602, answer
        answer = ask(client, view, "lsp.rename", {"line": 3, "column": 4})  # no new_name
        assert answer["error"]["code"] == -32602
        answer = ask(client, view, "lsp.rename", {"line": 3, "column": 4, "new_name": "hello"})
        assert answer["result"] is None
        assert wait_until(lambda: client.contents(view).count("hello") == 2, T)
        assert ask(client, view, "lsp.nothing", {})["result"] is None
    finally:
        assert client.close() == 0, client.stderr()
