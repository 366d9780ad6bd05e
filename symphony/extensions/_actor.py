"""``ExtensionActor``: one activated extension, in its own actor on the host's node.

Messages (asks): ``activate`` (load and start it), ``deactivate`` (its hook, then stop),
``health`` (whether it can take another call),
``run`` ``{task}`` (instrument), ``call`` ``{inputs}`` (operator), ``command`` ``{command,
args}`` (motif). An in-process extension's code runs in this actor, one call at a time;
whatever it raises reaches the caller as :class:`~symphony.errors.ExtensionFailed` (the
original exception as its ``__cause__``) and the actor keeps serving. An out-of-process one
(``exec``) is a :class:`ProcessExtension` (``_process``) owned by the actor, given the
host's permission-checked services (``_serve``) for the requests its process sends.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ..actors import Actor
from ..errors import ExtensionError, ExtensionFailed
from ._context import ExtensionContext
from ._loading import load_entry, unload
from ._manifest import ExtensionManifest
from ._process import ProcessExtension
from ._serve import serve

__all__ = ["CALLS", "ExtensionActor", "process_call"]

#: Actor message kind -> (the in-process hook, the JSON-RPC method).
CALLS = {"run": ("run", "instrument/run"), "call": ("call", "operator/call"), "command": ("command", "motif/command")}


def process_call(kind: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The JSON-RPC method and params an out-of-process extension gets for call ``kind``."""
    if kind == "run":
        return "instrument/run", {"task": payload["task"]}
    if kind == "call":
        return "operator/call", {"inputs": payload["inputs"]}
    return "motif/command", {"command": payload["command"], "args": payload["args"]}


class ExtensionActor(Actor):
    """One activated extension (see the module docstring)."""

    #: Extension code may block (a model loading, a process): it gets a thread of its own
    #: rather than holding one of the node's shared dispatcher threads.
    dedicated_thread = True

    def __init__(self, manifest: ExtensionManifest, context: ExtensionContext,
                 on_event: Callable[[dict[str, Any]], Any], call_timeout: float) -> None:
        self.manifest = manifest
        self.context = context
        self.on_event = on_event
        self.call_timeout = call_timeout
        self.instance: Any = None
        self.process: Any = None

    def on_receive(self, message: Any) -> Any:
        kind = message.kind
        if kind == "activate":
            return self._activate()
        if kind == "deactivate":
            return self._deactivate()
        if kind in CALLS:
            return self._invoke(kind, message.payload or {})
        if kind == "health":
            return self._healthy()
        raise ExtensionError(f"extension actor {self.manifest.id}: unknown request {kind!r}")

    def on_stop(self) -> None:
        """Stopped for whatever reason: its process is stopped, its modules forgotten."""
        process, self.process, self.instance = self.process, None, None
        if process is not None:
            process.stop()
        unload(self.manifest)

    def _healthy(self) -> bool:
        """Whether it can take another call: in process, while its instance lives; out of
        process, until its supervisor gave up restarting it."""
        if self.process is not None:
            state = getattr(self.process, "state", None)
            return getattr(state, "value", state) != "failed"
        return self.instance is not None

    def _failed(self, what: str, exc: BaseException) -> ExtensionFailed:
        failed = ExtensionFailed(f"extension {self.manifest.id}: {what} raised {type(exc).__name__}: {exc}",
                                 extension=self.manifest.id)
        failed.__cause__ = exc
        return failed

    def _activate(self) -> ProcessExtension | None:
        """Start it; an out-of-process one's :class:`ProcessExtension` is the answer, so the
        host can call it from the caller's thread (its calls are thread-safe)."""
        if self.manifest.out_of_process:
            self._start_process()
            return self.process  # type: ignore[no-any-return]
        try:
            self.instance = load_entry(self.manifest)
            hook = getattr(self.instance, "activate", None)
            if hook is not None:
                hook(self.context)
        except Exception as exc:  # noqa: BLE001 - any failure of the extension's code is its failure
            self.instance = None
            unload(self.manifest)
            raise self._failed("activate", exc) from exc
        return None

    def _start_process(self) -> None:
        """Start the out-of-process extension: a supervised process whose service requests
        are answered by ``serve`` with this extension's context."""
        self.process = ProcessExtension(
            self.manifest, serve=functools.partial(serve, self.context), on_event=self.on_event,
            workspace=self.context.workspace, call_timeout=self.call_timeout)
        self.process.start()

    def _deactivate(self) -> None:
        try:
            if self.process is not None:
                process, self.process = self.process, None
                try:
                    process.call("deactivate", {}, timeout=min(self.call_timeout, 5.0))
                except ExtensionError:
                    pass  # a process that cannot say goodbye is stopped all the same
                finally:
                    process.stop()
            elif self.instance is not None:
                instance, self.instance = self.instance, None
                hook = getattr(instance, "deactivate", None)
                if hook is not None:
                    try:
                        hook()
                    except Exception as exc:  # noqa: BLE001
                        raise self._failed("deactivate", exc) from exc
        finally:
            unload(self.manifest)

    def _invoke(self, kind: str, payload: dict[str, Any]) -> Any:
        hook_name, _ = CALLS[kind]
        if self.process is not None:
            method, params = process_call(kind, payload)
            return self.process.call(method, params, timeout=payload.get("timeout"))
        if self.instance is None:
            raise ExtensionFailed(f"extension {self.manifest.id} is not active", extension=self.manifest.id)
        hook = getattr(self.instance, hook_name, None)
        if hook is None:
            raise ExtensionFailed(f"extension {self.manifest.id} has no {hook_name}() for a {kind}",
                                  extension=self.manifest.id)
        try:
            if kind == "run":
                return hook(payload["task"], self.context)
            if kind == "call":
                return hook(payload["inputs"], self.context)
            return hook(payload["command"], payload["args"], self.context)
        except Exception as exc:  # noqa: BLE001 - reported to the caller, the actor keeps serving
            raise self._failed(hook_name, exc) from exc
