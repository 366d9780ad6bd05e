"""A language server that answers at once with answers recorded from pylsp (run as a script).

``python _lsp_replay.py RECORDING.json``: the recording maps ``initialize``,
``textDocument/hover`` and ``textDocument/completion`` to the ``result`` pylsp gave; each
request gets its recorded result under its own id, so a client's round trip to it is the
client's own cost (plus two pipe hops) on pylsp's real payloads.
"""

from __future__ import annotations

import json
import sys


def main(path: str) -> None:
    with open(path) as f:
        recorded = json.load(f)
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    while True:
        length = 0
        while True:
            line = stdin.readline()
            if not line:
                return
            if line == b"\r\n":
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message = json.loads(stdin.read(length))
        method = message.get("method")
        if "id" not in message:
            if method == "exit":
                return
            continue
        body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": recorded.get(method)}).encode()
        stdout.write(b"Content-Length: %d\r\n\r\n%b" % (len(body), body))
        stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
