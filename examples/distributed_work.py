"""Three processes: one host, two workers, passing work through remote Refs and the bus.

    python examples/distributed_work.py [tcp|ipc|unix]

The host starts two ``symphony node`` processes (what a second machine would run), each
hosting a ``Squarer`` actor. It asks them to square numbers through ordinary ``Ref``s
(``node.ref("tcp://127.0.0.1:PORT/squarer")``), while the workers publish progress on the
bus (``progress.<worker>``) and the host, subscribed to ``progress.``, counts it. Every
frame is signed with a shared secret. A worker that raises gives the host a
``RemoteError``; at the end the host stops the workers with SIGTERM (a clean stop).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from symphony import Actor, Message, Node, RemoteError


class Squarer(Actor):
    """Squares numbers; publishes a progress event every 10 jobs."""

    def __init__(self) -> None:
        self.done = 0

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind == "square":
            n = message.payload
            if not isinstance(n, int):
                raise TypeError(f"can only square integers, not {n!r}")
            self.done += 1
            if self.done % 10 == 0:
                self.node.publish(f"progress.{self.actor_name}-{os.getpid()}", {"done": self.done})
            return n * n
        return None


def start_worker(listen: str, secret_file: Path, name: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "symphony", "node", "--listen", listen, "--secret-file", str(secret_file),
         "--spawn", f"distributed_work:Squarer={name}", "--name", name],
        stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"worker {name} did not start: {line!r}")
    return proc, line.split("listening on ", 1)[1].strip()


def main(scheme: str = "tcp") -> None:
    tmp = Path(tempfile.mkdtemp(prefix="symphony-example-"))
    secret = os.urandom(32)
    secret_file = tmp / "secret"
    secret_file.write_bytes(secret.hex().encode())
    listen = {"tcp": lambda i: "tcp://127.0.0.1:0", "ipc": lambda i: f"ipc://{tmp}/w{i}.ipc",
              "unix": lambda i: f"unix://{tmp}/w{i}.sock"}[scheme]
    workers = [start_worker(listen(i), secret_file, f"squarer{i}") for i in (1, 2)]
    try:
        with Node("host", secret=secret.hex().encode()) as host:
            progress: list[tuple[str, Any]] = []
            lock = threading.Lock()

            def on_progress(topic: str, payload: Any) -> None:
                with lock:
                    progress.append((topic, payload))

            host.subscribe("progress.", on_progress)
            refs = []
            for i, (_, address) in enumerate(workers, 1):
                host.connect(address)  # bus link; refs would link on first use anyway
                sep = "/" if address.startswith("tcp://") else "#"
                refs.append(host.ref(f"{address}{sep}squarer{i}"))
                print(f"worker {i} at {address}")
            started = time.perf_counter()
            futures = [refs[n % 2].ask_async("square", n, ttl=10.0) for n in range(100)]
            results = [f.get(10) for f in futures]
            elapsed = time.perf_counter() - started
            assert results == [n * n for n in range(100)]
            print(f"100 squares from 2 workers in {elapsed * 1000:.1f} ms; sum = {sum(results)}")
            try:
                refs[0].ask("square", "seven", timeout=10)
            except RemoteError as exc:
                print(f"a worker failed, as expected: {exc.remote_type}: {exc.remote_message}")
            deadline = time.monotonic() + 5
            while len(progress) < 10 and time.monotonic() < deadline:
                time.sleep(0.01)
            with lock:
                print(f"{len(progress)} progress events on the bus, last: {progress[-1] if progress else None}")
    finally:
        for proc, _ in workers:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in workers:
            code = proc.wait(15)
            proc.stdout.close()  # type: ignore[union-attr]
            print(f"worker exited with {code}")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tcp")
