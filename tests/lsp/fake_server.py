"""A raw language server for the hostile tests: framed JSON by hand, no library.

``python fake_server.py MODE [STATE_FILE]``. It answers ``initialize`` (offering UTF-8
positions when MODE is ``utf8``), ``shutdown`` and ``exit``; ``didOpen``/``didChange`` keep
the text (full or incremental, UTF-8 or UTF-16 ranges) so a ``hover`` can answer with it.
On ``hover`` it does what MODE says:

- ``echo``/``utf8``: answer with the text it holds (markdown) -- the resync check
- ``bad_length``: a frame whose Content-Length is not a number
- ``half_exit``: half a frame, then exit
- ``half_hang``: half a frame, then wait for ever (until killed)
- ``non_json``: a well-framed body that is not JSON
- ``huge``: a Content-Length of 10**12
- ``server_requests``: ask the client workspace/configuration, window/workDoneProgress/create,
  workspace/applyEdit and an unknown method, then answer the hover with their answers (JSON)
- ``silent``: never answer hovers (requests stay in flight)

With a STATE_FILE, the first process misbehaves and later ones (restarts) behave as ``echo``:
the file counts starts.
"""

from __future__ import annotations

import json
import os
import sys
import time

stdin = sys.stdin.buffer
stdout = sys.stdout.buffer


def send_raw(data: bytes) -> None:
    stdout.write(data)
    stdout.flush()


def send(obj: object) -> None:
    body = json.dumps(obj).encode()
    send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def read() -> dict | None:
    length = None
    while True:
        line = stdin.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    assert length is not None
    return json.loads(stdin.read(length))


def offset(text: str, pos: dict, utf8: bool) -> int:
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[:pos["line"]])
    line = lines[pos["line"]] if pos["line"] < len(lines) else ""
    encoded = line.encode("utf-8" if utf8 else "utf-16-le")
    unit = 1 if utf8 else 2
    prefix = encoded[:pos["character"] * unit].decode("utf-8" if utf8 else "utf-16-le")
    return start + len(prefix)


def main() -> None:
    mode = sys.argv[1]
    if len(sys.argv) > 2:
        path = sys.argv[2]
        starts = int(open(path).read() or 0) if os.path.exists(path) else 0
        with open(path, "w") as f:
            f.write(str(starts + 1))
        if starts > 0:
            mode = "echo"
    utf8 = mode == "utf8"
    texts: dict[str, str] = {}
    next_id = 1000
    while True:
        msg = read()
        if msg is None:
            return
        method = msg.get("method")
        if method == "initialize":
            caps = {"textDocumentSync": {"openClose": True, "change": 2, "save": {"includeText": False}},
                    "hoverProvider": True}
            if utf8:
                caps["positionEncoding"] = "utf-8"
            send({"jsonrpc": "2.0", "id": msg["id"], "result": {"capabilities": caps}})
        elif method == "shutdown":
            send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
        elif method == "exit":
            return
        elif method == "textDocument/didOpen":
            doc = msg["params"]["textDocument"]
            texts[doc["uri"]] = doc["text"]
        elif method == "textDocument/didChange":
            uri = msg["params"]["textDocument"]["uri"]
            for change in msg["params"]["contentChanges"]:
                if "range" not in change:
                    texts[uri] = change["text"]
                    continue
                text = texts[uri]
                start = offset(text, change["range"]["start"], utf8)
                end = offset(text, change["range"]["end"], utf8)
                texts[uri] = text[:start] + change["text"] + text[end:]
        elif method == "textDocument/hover":
            uri = msg["params"]["textDocument"]["uri"]
            if mode in ("echo", "utf8"):
                send({"jsonrpc": "2.0", "id": msg["id"],
                      "result": {"contents": {"kind": "plaintext", "value": texts.get(uri, "")}}})
            elif mode == "bad_length":
                send_raw(b"Content-Length: twelve\r\n\r\n{}")
            elif mode in ("half_exit", "half_hang"):
                send_raw(b'Content-Length: 100\r\n\r\n{"jsonrpc": "2.0", "id": ')
                if mode == "half_exit":
                    return
                while True:
                    time.sleep(60)
            elif mode == "non_json":
                send_raw(b"Content-Length: 9\r\n\r\nnot json!")
            elif mode == "huge":
                send_raw(b"Content-Length: 1000000000000\r\n\r\n")
                while True:
                    time.sleep(60)
            elif mode == "server_requests":
                answers = []
                for req_method, params in [
                        ("workspace/configuration", {"items": [{"section": "fake.option"}, {"section": "missing"}]}),
                        ("window/workDoneProgress/create", {"token": "t1"}),
                        ("workspace/applyEdit", {"label": "fix", "edit": {"changes": {uri: [
                            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                             "newText": "# fixed\n"}]}}}),
                        ("fake/unknown", {})]:
                    next_id += 1
                    send({"jsonrpc": "2.0", "id": next_id, "method": req_method, "params": params})
                    while True:
                        answer = read()
                        if answer is None:
                            return
                        if answer.get("id") == next_id and "method" not in answer:
                            break
                    answers.append({k: answer.get(k) for k in ("result", "error")})
                send({"jsonrpc": "2.0", "method": "window/logMessage", "params": {"type": 3, "message": "done"}})
                send({"jsonrpc": "2.0", "id": msg["id"],
                      "result": {"contents": {"kind": "plaintext", "value": json.dumps(answers)}}})
            elif mode == "silent":
                pass
        elif "id" in msg and method is not None:
            send({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "no"}})


if __name__ == "__main__":
    main()
