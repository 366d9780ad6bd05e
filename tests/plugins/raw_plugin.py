"""A plugin for the tests, written from xi's wire format alone (raw JSON lines, no SDK, no symphony).

Usage: ``raw_plugin.py MODE LOG``. Every message it reads is appended to LOG as a JSON line
``{"in": msg}``; after each ``update`` (and after fetching a buffer) it appends
``{"doc": view_id, "rev": rev, "text": text}`` with the text it rebuilt from the deltas
(or refetched with ``get_data`` in small chunks when the delta is null).

The test drives it with ``custom_command`` (the frontend's ``plugin_rpc``):
``{"method": "send", "params": {"line": RAW}}`` writes RAW (any bytes, as a string) as one
line; ``{"method": "request", "params": {"method": M, "params": P}}`` sends a request and
logs ``{"response": ...}``. A ``custom_command`` sent as a request (the frontend's
``plugin_rpc`` request) is answered ``{"echo": params, "view_id": ...}``, except ``fail``
(an error, code 7), ``never`` (no answer at all) and ``exit`` (the plugin exits 5 instead).

MODE: ``normal``; ``pause`` (answers no ``update`` until the command ``resume``); ``hang`` (after initialize, stops reading and answering); ``slow``
(answers each update after 2 s); ``crash_once`` (exits 3 after its first initialize, if
LOG.crashed does not exist yet); ``flood`` (writes alerts without end); ``memory``
(allocates 300 MB and waits); ``garbage`` (writes malformed lines, then works normally).
"""

import collections
import json
import os
import sys
import time

MODE, LOG = sys.argv[1], sys.argv[2]
stdin = sys.stdin.buffer
stdout = sys.stdout.buffer
ids = iter(range(1, 1 << 62))
stash = collections.deque()
docs = {}  # view_id -> bytes
revs = {}
paused = MODE == "pause"
unanswered = []


def log(obj):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(obj) + "\n")


def write(obj_or_line):
    line = obj_or_line if isinstance(obj_or_line, bytes) else json.dumps(obj_or_line).encode()
    stdout.write(line + b"\n")
    stdout.flush()


def read():
    line = stdin.readline()
    if not line:
        sys.exit(0)
    return json.loads(line)


def request(method, params):
    rid = next(ids)
    write({"id": rid, "method": method, "params": params})
    while True:
        msg = read()
        if msg.get("id") == rid and "method" not in msg:
            return msg
        stash.append(msg)


def fetch(view_id, rev, size):
    """The whole text at rev, by get_data in 5-byte chunks."""
    out = b""
    while len(out) < size:
        resp = request("get_data", {"view_id": view_id, "plugin_id": 0, "start": len(out), "unit": "utf8",
                                    "max_size": 5, "rev": rev})
        chunk = resp["result"]["chunk"].encode()
        if not chunk:
            break
        out += chunk
    return out


def apply(base, delta):
    assert delta["base_len"] == len(base), (delta["base_len"], len(base))
    out = b""
    for el in delta["els"]:
        if "copy" in el:
            a, b = el["copy"]
            out += base[a:b]
        else:
            out += el["insert"].encode()
    return out


def on_buffers(infos):
    for info in infos:
        view_id = info["views"][0]
        docs[view_id] = fetch(view_id, info["rev"], info["buf_size"])
        revs[view_id] = info["rev"]
        log({"doc": view_id, "rev": info["rev"], "text": docs[view_id].decode()})


def handle(msg):
    global paused
    log({"in": msg})
    method = msg.get("method")
    params = msg.get("params") or {}
    if method == "initialize":
        if MODE == "crash_once" and not os.path.exists(LOG + ".crashed"):
            open(LOG + ".crashed", "w").close()
            sys.exit(3)
        on_buffers(params["buffer_info"])
        if MODE == "hang":
            while True:
                time.sleep(60)
        if MODE == "flood":
            while True:
                write({"method": "alert", "params": {"view_id": "x", "plugin_id": 0, "msg": "flood"}})
        if MODE == "memory":
            hog = b"x" * (300 << 20)  # noqa: F841 - resident until killed
            while True:
                time.sleep(60)
        if MODE == "garbage":
            write(b"this is not json")
            write(b'{"method": "alert", "params": {"msg": NaN}}')
            write(b'{"method": "alert", "params": {"msg": "\\ud800"}}')
            write(b'{"method": "add_status_item", "params": {"view_id": 7, "key": [], "value": 1}}')
            write(b'{"method": "update_spans", "params": {"view_id": "view-id-1", "start": -1, "len": "x"}}')
            write(b'{"id": 99, "method": "get_data", "params": {"view_id": "view-id-1", "start": "0"}}')
            write(b"[" * 100000 + b"]" * 100000)
            write(b'"' + b"x" * (3 << 20) + b'"')
            write(b"\xff\xfe not utf8")
            log({"garbage": "done"})
    elif method == "new_buffer":
        on_buffers(params["buffer_info"])
    elif method == "update":
        view_id = params["view_id"]
        if params["delta"] is None:
            docs[view_id] = fetch(view_id, params["rev"], params["new_len"])
        else:
            docs[view_id] = apply(docs[view_id], params["delta"])
        revs[view_id] = params["rev"]
        log({"doc": view_id, "rev": params["rev"], "text": docs[view_id].decode()})
        if MODE == "slow":
            time.sleep(2)
        if paused:
            unanswered.append(msg["id"])
        else:
            write({"id": msg["id"], "result": 0})
    elif method == "custom_command":
        cmd, args = params["method"], params["params"]
        if cmd == "resume":
            paused = False
            for request_id in unanswered:
                write({"id": request_id, "result": 0})
            unanswered.clear()
        elif cmd == "send":
            write(args["line"].encode("utf-8", "surrogatepass"))
        elif cmd == "request":
            log({"response": request(args["method"], args["params"])})
        if "id" in msg:  # the frontend's plugin_rpc request: answered (but "never" is not)
            if cmd == "fail":
                write({"id": msg["id"], "error": {"code": 7, "message": "refused on purpose"}})
            elif cmd == "exit":
                sys.exit(5)
            elif cmd != "never":
                write({"id": msg["id"], "result": {"echo": args, "view_id": params["view_id"]}})
    elif method == "shutdown":
        log({"shutdown": True})
    elif "id" in msg and method is not None:
        write({"id": msg["id"], "result": None})


log({"pid": os.getpid()})
while True:
    while stash:
        handle(stash.popleft())
    handle(read())
