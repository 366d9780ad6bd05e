"""``ProcessExtension``: one out-of-process extension, started, supervised and stopped.

The extension's program speaks JSON-RPC 2.0 on its stdio (:mod:`._protocol`) through the
plugin host's pieces: a :class:`~symphony.rpc.Peer`, whose reader is a
:class:`~symphony.plugins._connection.MeteredReader` (a flood of messages, or one line over
``max_line`` bytes, trips it) and whose writer is a
:class:`~symphony.plugins._connection.PipeWriter`. It runs with least privilege
(:mod:`._sandbox`). The host's calls (:meth:`ProcessExtension.call`) are blocking and
thread-safe; what the extension asks the host is served by :class:`._services.ServiceHandler`.

Supervision runs on one thread per extension, so that starting, reaping and restarting never
race: a process that exits, closes its output, floods, or does not answer a call within its
timeout (it is killed: SIGKILL to its process group) is restarted after a backoff of 0.1 s,
doubling up to 5 s, with a ``restarted`` event; past ``max_restarts`` failures within
``restart_window`` seconds it is given up (state ``FAILED``, a ``failed`` event) and every call
raises :class:`~symphony.errors.ExtensionFailed` at once. A call in flight when the process
dies fails with ``ExtensionFailed`` and is not retried.
"""

from __future__ import annotations

import concurrent.futures
import enum
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from ..errors import ExtensionFailed, ExtensionStateError, ExtensionTimeout, RpcError
from ..plugins._connection import MeteredReader, PipeWriter
from ..rpc import INTERNAL_ERROR, Peer
from ..rpc._peer import has_lone_surrogate
from ._protocol import API_VERSION, CALLS, INITIALIZE, SHUTDOWN
from ._sandbox import SandboxLimits, kill_group, private_home, sandbox_env, spawn
from ._services import Serve, ServiceHandler

__all__ = ["ProcessExtension", "ProcessManifest", "ProcessState"]

logger = logging.getLogger(__name__)

#: First restart delay (seconds), doubled for each restart in the window, at most ``MAX_BACKOFF``.
BACKOFF = 0.1
MAX_BACKOFF = 5.0
#: Seconds a stopping extension has to answer ``shutdown``, then to exit after SIGTERM.
GRACE = 1.0
#: Lines of an extension's stderr kept for the message of its failure (all are logged, up to a rate).
STDERR_TAIL = 8
_STDERR_LINE = 4096
_STDERR_PER_SECOND = 100
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


class ProcessManifest(Protocol):
    """What :class:`ProcessExtension` reads of an extension's manifest (``ExtensionManifest`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def exec(self) -> Sequence[str] | None: ...
    @property
    def permissions(self) -> Collection[str]: ...
    @property
    def root(self) -> Path | None: ...


class ProcessState(str, enum.Enum):
    """Where a :class:`ProcessExtension` is: ``NEW`` (not started), ``STARTING``, ``RUNNING``,
    ``RESTARTING`` (after a failure, in its backoff), ``FAILED`` (given up), ``STOPPED``."""

    NEW = "new"
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    FAILED = "failed"
    STOPPED = "stopped"


class _LineGuard:
    """The extension's stdout under a :class:`MeteredReader`: a line over ``max_line`` bytes is a
    flood too (the reader alone would skip it): it trips ``on_over`` at its first ``max_line`` bytes."""

    def __init__(self, raw: IO[bytes], max_line: int, on_over: Callable[[str], None]) -> None:
        self._raw = raw
        self._max_line = max_line
        self._on_over = on_over

    def readline(self, size: int = -1) -> bytes:
        line = self._raw.readline(size)
        if len(line) >= self._max_line and not line.endswith(b"\n"):
            self._on_over(f"wrote a line over {self._max_line} bytes")
        return line

    def close(self) -> None:
        self._raw.close()


def _wait_exit(pid: int, timeout: float | None) -> bool:
    """Wait (without reaping) until process ``pid`` has exited; whether it has."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = -1
    if fd >= 0:
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(None if timeout is None else max(0, int(timeout * 1000))))
        finally:
            os.close(fd)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:  # no pidfd (an old kernel): poll
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


class _Run:
    """One started process (one generation) and its connection."""

    def __init__(self, generation: int, proc: subprocess.Popen[bytes], peer: Peer, reader: MeteredReader,
                 writer: PipeWriter, stderr: threading.Thread, tail: deque[str]) -> None:
        self.generation = generation
        self.proc = proc
        self.peer = peer
        self.reader = reader
        self.writer = writer
        self.stderr = stderr
        self.tail = tail
        self.reason: str | None = None  # why the host killed it
        self.eof = False  # its output ended
        self.done = threading.Event()  # reaped: ``outcome`` says how it ended
        self.outcome = ""
        self._lock = threading.Lock()
        self._reaped = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self, reason: str, sig: int = signal.SIGKILL) -> None:
        """Signal its process group (from any thread), recording why; nothing once it is reaped."""
        with self._lock:
            if self._reaped:
                return
            if self.reason is None:
                self.reason = reason
            kill_group(self.proc.pid, sig)

    def reap(self) -> None:
        """Make sure it and its group are gone, close its pipes and threads (supervisor only)."""
        proc = self.proc
        if self.writer.busy:  # a write is stuck on a process that stopped reading
            self.kill("stopped reading its input")
        if not _wait_exit(proc.pid, GRACE if self.reason is None else 0):
            self.kill("closed its output")
            _wait_exit(proc.pid, None)
        with self._lock:  # its zombie still holds the group id: sweep what it left in the group
            kill_group(proc.pid, signal.SIGKILL)
            self._reaped = True
        code = proc.wait()
        self.peer.close(GRACE)
        self.writer.close()
        self.peer.join(GRACE * 5)
        self.stderr.join(GRACE * 5)
        self.reader.close()
        assert proc.stderr is not None
        proc.stderr.close()
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        last = f" (stderr: {self.tail[-1]})" if self.tail else ""
        self.outcome = f"{self.reason}; it {how}" if self.reason else f"{how}{last}"
        self.done.set()


class ProcessExtension:
    """An out-of-process extension (see the module docstring): ``start`` it, ``call`` it from any
    thread, ``stop`` it. ``serve(method, params)`` answers what it asks the host (the host's
    permission-checked dispatcher); ``on_event(dict)`` gets ``restarted`` and ``failed`` events.
    ``limits`` bounds the process (:class:`~symphony.extensions._sandbox.SandboxLimits`)."""

    def __init__(self, manifest: ProcessManifest, *, serve: Serve, on_event: Callable[[dict[str, Any]], None],
                 workspace: Path | None, call_timeout: float = 30.0, max_restarts: int = 5,
                 restart_window: float = 60.0, max_line: int = 16 << 20, max_messages_per_second: int = 2000,
                 limits: SandboxLimits | None = None) -> None:
        if not manifest.exec:
            raise ValueError(f"extension {manifest.id} has no exec: it is not an out-of-process extension")
        if manifest.root is None:
            raise ValueError(f"extension {manifest.id} has no directory to run in")
        self.manifest = manifest
        self.id = manifest.id
        self.workspace = workspace
        self.call_timeout = call_timeout
        self.max_restarts = max_restarts
        self.restart_window = restart_window
        self.max_line = max_line
        self.max_messages_per_second = max_messages_per_second
        self.limits = limits or SandboxLimits()
        self._serve = serve
        self._on_event = on_event
        self._cond = threading.Condition()
        self._state = ProcessState.NEW
        self._reason = ""
        self._run: _Run | None = None
        self._generation = 0
        self._restarts = 0
        self._failures: list[float] = []
        self._stopping = False
        self._home: Path | None = None
        self._services: ServiceHandler | None = None
        self._supervisor: threading.Thread | None = None
        self._releasing = threading.Lock()

    # -- properties -----------------------------------------------------------------------

    @property
    def state(self) -> ProcessState:
        """Where it is (:class:`ProcessState`)."""
        return self._state

    @property
    def restarts(self) -> int:
        """How many times its process was restarted since :meth:`start`."""
        return self._restarts

    @property
    def pid(self) -> int | None:
        """The id of its running process (and process group), or None."""
        run = self._run
        return run.pid if run is not None else None

    @property
    def reason(self) -> str:
        """Why it last failed (or was given up), empty if it never did."""
        return self._reason

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the process and ``initialize`` it; returns once it runs. A process that fails to
        initialize is restarted as a crash is; raises :class:`ExtensionFailed` if it cannot be
        started at all (no such program), is given up, or is stopped meanwhile. A stopped or
        failed extension may be started again (its restart budget starts afresh)."""
        with self._cond:
            if self._state not in (ProcessState.NEW, ProcessState.STOPPED, ProcessState.FAILED):
                raise ExtensionStateError(f"extension {self.id} is {self._state.value}: it cannot be started")
            self._state = ProcessState.STARTING
        self._release()  # what a failed run left
        with self._cond:
            self._stopping, self._reason, self._failures, self._restarts = False, "", [], 0
        self._home = private_home(self.id)
        self._services = ServiceHandler(self.id, self._serve)
        self._supervisor = threading.Thread(target=self._supervise, name=f"ext-{self.id}-supervisor", daemon=True)
        self._supervisor.start()
        with self._cond:
            self._cond.wait_for(lambda: self._stopping or self._state in (ProcessState.RUNNING, ProcessState.FAILED))
            state, reason = self._state, self._reason or "stopped while starting"
        if state is not ProcessState.RUNNING:
            self._release()
            raise ExtensionFailed(f"extension {self.id} cannot start: {reason}", extension=self.id)

    def stop(self) -> None:
        """``shutdown`` (answered within a second), then SIGTERM and SIGKILL to its process group;
        reaped, its private home removed. Calls in flight fail with :class:`ExtensionFailed`. A
        failed extension stays ``FAILED`` (its reason kept), any other is ``STOPPED``."""
        with self._cond:
            if self._state in (ProcessState.NEW, ProcessState.STOPPED):
                return
            self._stopping = True
            self._cond.notify_all()
        self._release()
        with self._cond:
            if self._state is not ProcessState.FAILED:
                self._state = ProcessState.STOPPED
            self._cond.notify_all()

    def _release(self) -> None:
        """Wait for the supervisor to end (it stops the process), then close the services and
        remove the private home."""
        with self._releasing:  # a second caller (stop during start) waits for the first
            supervisor = self._supervisor
            if supervisor is not None and supervisor is not threading.current_thread():
                supervisor.join()
            self._supervisor = None
            services, self._services = self._services, None
            if services is not None:
                services.close()
            home, self._home = self._home, None
            if home is not None:
                shutil.rmtree(home, ignore_errors=True)

    # -- calls ----------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any], timeout: float | None = None) -> Any:
        """Send request ``method`` (one of :data:`._protocol.CALLS`) and wait for its result, at most
        ``timeout`` seconds (``call_timeout`` by default). Raises :class:`ExtensionTimeout` (the
        process is then killed and restarted), :class:`ExtensionFailed` (it answered an error,
        died, was given up, or ``params`` are not JSON: then nothing is sent), or
        :class:`ExtensionStateError` if it is not started."""
        if method not in CALLS:
            raise ValueError(f"{method!r} is not a call to an extension (one of {', '.join(sorted(CALLS))})")
        try:
            _dumps(params).encode("utf-8")
        except (TypeError, ValueError) as exc:  # NaN, an object, a lone surrogate: nothing is sent
            raise ExtensionFailed(f"cannot call {method} of {self.id}: params are not JSON: {exc}",
                                  extension=self.id) from None
        limit = self.call_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        run = self._running(method, deadline)
        future = run.peer.send_request(method, params)
        future.add_done_callback(self._wake)
        with self._cond:
            self._cond.wait_for(lambda: future.done() or run.done.is_set(), max(0.0, deadline - time.monotonic()))
        if not future.done():
            if run.done.is_set():
                raise self._died(run, method)
            run.kill(f"did not answer {method} within {limit} s")
            raise ExtensionTimeout(f"extension {self.id} did not answer {method} within {limit} s: "
                                   f"killed (it is restarted)", extension=self.id)
        try:
            result = future.result()
        except RpcError as exc:
            if exc.code == INTERNAL_ERROR and exc.message == "connection closed":
                raise self._died(run, method) from None
            raise ExtensionFailed(f"extension {self.id} failed {method}: {exc.message} (code {exc.code})",
                                  extension=self.id) from None
        if has_lone_surrogate(result):
            raise ExtensionFailed(f"extension {self.id} answered {method} with text that is not valid Unicode "
                                  f"(a lone surrogate)", extension=self.id)
        return result

    def _wake(self, _: Any = None) -> None:
        with self._cond:
            self._cond.notify_all()

    def _running(self, method: str, deadline: float) -> _Run:
        """The running process, waiting (until ``deadline``) through a restart."""
        with self._cond:
            self._cond.wait_for(lambda: self._state not in (ProcessState.STARTING, ProcessState.RESTARTING),
                                max(0.0, deadline - time.monotonic()))
            state, run = self._state, self._run
        if state is ProcessState.FAILED:
            raise ExtensionFailed(f"extension {self.id} failed and is not restarted: {self._reason}",
                                  extension=self.id)
        if state is not ProcessState.RUNNING or run is None:
            if state in (ProcessState.STARTING, ProcessState.RESTARTING):
                raise ExtensionTimeout(f"extension {self.id} was restarting for all of {method}'s time",
                                       extension=self.id)
            raise ExtensionStateError(f"extension {self.id} is {state.value}: {method} not sent")
        return run

    def _died(self, run: _Run, method: str) -> ExtensionFailed:
        run.done.wait(2 * GRACE)  # its exit code and last words, once it is reaped
        what = run.outcome or run.reason or "its process ended"
        return ExtensionFailed(f"extension {self.id} failed during {method}: {what}", extension=self.id)

    # -- supervision (the supervisor thread) ----------------------------------------------

    def _emit(self, event: dict[str, Any]) -> None:
        try:
            self._on_event({**event, "extension": self.id})
        except Exception:  # noqa: BLE001 - a listener must not stop the supervision
            logger.exception("extension %s: event listener failed", self.id)

    def _supervise(self) -> None:
        try:
            while True:
                try:
                    run, reason = self._launch()
                except OSError as exc:  # no such program: retrying cannot help
                    self._give_up(f"cannot start {list(self.manifest.exec or ())}: {exc}")
                    return
                if run is not None:
                    if self._watch(run):  # stopping
                        self._shutdown(run)
                        return
                    run.reap()
                    reason = run.outcome
                with self._cond:
                    self._run = None
                if self._stopping or not self._backoff(reason):
                    return
        except Exception as exc:  # noqa: BLE001 - a bug here must not leave callers waiting
            logger.exception("extension %s: supervision failed", self.id)
            self._give_up(f"supervision failed: {exc}")

    def _launch(self) -> tuple[_Run | None, str]:
        """Start a process and initialize it: (the run, "") or (None, why it failed)."""
        assert self._home is not None and self._services is not None and self.manifest.root is not None
        self._generation += 1
        gen = self._generation
        proc = spawn(list(self.manifest.exec or ()), root=self.manifest.root, env=sandbox_env(self.id, self._home),
                     limits=self.limits, may_spawn="process:run" in self.manifest.permissions)
        try:
            run = self._connect(proc, gen, self._services)
        except BaseException:  # no thread to read it: it must not outlive this
            kill_group(proc.pid)
            proc.wait()
            raise
        return self._initialize(run)

    def _connect(self, proc: subprocess.Popen[bytes], gen: int, services: ServiceHandler) -> _Run:
        """The peer on a started process's stdio, and the thread draining its stderr, started."""
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        holder: list[_Run] = []

        def over_budget(reason: str) -> None:
            if holder:
                holder[0].kill(f"flooded the host: {reason}")

        reader = MeteredReader(_LineGuard(proc.stdout, self.max_line, over_budget),  # type: ignore[arg-type]
                               self.max_line, self.max_messages_per_second, over_budget)
        writer = PipeWriter(os.dup(proc.stdin.fileno()))
        proc.stdin.close()
        tail: deque[str] = deque(maxlen=STDERR_TAIL)
        stderr = threading.Thread(target=self._drain_stderr, args=(proc.stderr, tail),
                                  name=f"ext-{self.id}-stderr", daemon=True)
        peer = Peer(reader, writer, services, name=f"ext-{self.id}")  # type: ignore[arg-type]
        run = _Run(gen, proc, peer, reader, writer, stderr, tail)
        holder.append(run)
        peer.on_eof = lambda: self._ended(run)
        stderr.start()
        peer.start()
        return run

    def _initialize(self, run: _Run) -> tuple[_Run | None, str]:
        """Send ``initialize`` and wait for its answer (the run now serves), or stop the run."""
        manifest, peer = self.manifest, run.peer
        future = peer.send_request(INITIALIZE, {
            "api": API_VERSION, "id": manifest.id, "version": manifest.version, "kind": manifest.kind,
            "permissions": sorted(manifest.permissions),
            "workspace": str(self.workspace) if self.workspace is not None else None})
        future.add_done_callback(self._wake)
        with self._cond:
            self._cond.wait_for(lambda: future.done() or self._stopping, self.call_timeout)
        if self._stopping:
            run.kill("stopped while starting")
        elif not future.done():
            run.kill(f"did not answer initialize within {self.call_timeout} s")
        elif future.exception() is not None:
            exc = future.exception()
            message = exc.message if isinstance(exc, RpcError) else str(exc)
            if message != "connection closed":
                run.kill(f"failed initialize: {message}")
        elif not isinstance(future.result(), (dict, type(None))):
            run.kill(f"answered initialize with {type(future.result()).__name__}, not an object")
        else:
            with self._cond:
                self._run, self._state = run, ProcessState.RUNNING
                self._cond.notify_all()
            if run.generation > 1:
                self._emit({"event": "restarted", "reason": self._reason, "restarts": self._restarts,
                            "pid": run.pid})
            return run, ""
        run.reap()
        return None, run.outcome

    def _ended(self, run: _Run) -> None:
        """Its output ended (the peer's reader saw end of input)."""
        with self._cond:
            run.eof = True
            self._cond.notify_all()

    def _watch(self, run: _Run) -> bool:
        """Wait until the process ends (False) or the host stops it (True)."""
        with self._cond:
            while not self._stopping and not run.eof:
                self._cond.wait(0.5)
                if not self._stopping and not run.eof and _wait_exit(run.pid, 0):
                    break  # it exited while something it started holds its output open
            if self._stopping:
                return True
            self._state = ProcessState.RESTARTING
            self._run = None
            return False

    def _backoff(self, reason: str) -> bool:
        """After a failure: wait the backoff and return True, or give up and return False."""
        now = time.monotonic()
        self._failures = [t for t in self._failures if now - t < self.restart_window]
        if len(self._failures) >= self.max_restarts:
            self._give_up(f"{reason}; given up after {len(self._failures)} restarts in {self.restart_window:g} s")
            return False
        delay = min(BACKOFF * 2 ** len(self._failures), MAX_BACKOFF)
        self._failures.append(now)
        logger.warning("extension %s %s; restarting in %.2f s", self.id, reason, delay)
        with self._cond:
            self._state, self._reason = ProcessState.RESTARTING, reason
            self._restarts += 1
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._stopping, delay)
            return not self._stopping

    def _give_up(self, reason: str) -> None:
        with self._cond:
            self._state, self._reason, self._run = ProcessState.FAILED, reason, None
            self._cond.notify_all()
        logger.error("extension %s failed: %s", self.id, reason)
        self._emit({"event": "failed", "reason": reason})

    def _shutdown(self, run: _Run) -> None:
        """Stop it cleanly: ``shutdown``, end of input, SIGTERM, SIGKILL; reaped."""
        future = run.peer.send_request(SHUTDOWN, {})
        try:
            future.result(GRACE)
            answered = True
        except (concurrent.futures.TimeoutError, RpcError):
            answered = False
        if run.writer.busy:
            run.kill("stopped reading its input")
        run.peer.close(GRACE)
        run.writer.close()  # it sees the end of its input
        if not (answered and _wait_exit(run.pid, GRACE)):
            run.kill("did not exit after shutdown", signal.SIGTERM)
            if not _wait_exit(run.pid, GRACE):
                run.kill("did not exit after SIGTERM")
        with self._cond:
            self._run = None
        run.reap()

    def _drain_stderr(self, stream: IO[bytes], tail: deque[str]) -> None:
        """Log what the process writes on stderr (at most a rate), keeping its last lines."""
        window, count = time.monotonic(), 0
        while True:
            try:
                line = stream.readline(_STDERR_LINE)
            except (OSError, ValueError):
                return
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if not text:
                continue
            tail.append(text)
            now = time.monotonic()
            if now - window >= 1.0:
                window, count = now, 0
            count += 1
            if count <= _STDERR_PER_SECOND:
                logger.info("extension %s: %s", self.id, text)
