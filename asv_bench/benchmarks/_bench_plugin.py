"""A plugin for the plugin benchmark, raw JSON lines on stdio: ``never`` reads every message and
answers none; ``slow`` answers each ``update`` 2 s after it came (it keeps reading meanwhile)."""

import json
import sys
import threading

MODE = sys.argv[1]
out_lock = threading.Lock()


def answer_later(request_id: int) -> None:
    def send() -> None:
        with out_lock:
            sys.stdout.write(json.dumps({"id": request_id, "result": 0}) + "\n")
            sys.stdout.flush()

    timer = threading.Timer(2.0, send)
    timer.daemon = True
    timer.start()


for line in sys.stdin:
    msg = json.loads(line)
    if MODE == "slow" and msg.get("method") == "update":
        answer_later(msg["id"])
