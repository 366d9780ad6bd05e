"""``PoolClient``: the pool's repository API over a ``Ref``, for a pool on any node."""

from __future__ import annotations

from typing import Any

__all__ = ["PoolClient"]


class PoolClient:
    """Drives a pool through its actor: ``PoolClient(node.ref("tcp://host:5555/pool"))``.

    The same methods as ``Pool`` (``index``, ``load``, ``unload``, ``ready``, ``metadata``,
    ``statistics``) plus ``call``, which acquires, calls and releases the model where it
    lives. Errors raised by the pool arrive as ``RemoteError`` from another node and as
    themselves on this one. ``timeout`` bounds each request (None: wait as long as it takes).
    """

    def __init__(self, ref: Any, timeout: float | None = None) -> None:
        self.ref = ref
        self.timeout = timeout

    def _ask(self, kind: str, payload: Any, timeout: float | None = None) -> Any:
        return self.ref.ask(kind, payload, timeout=self.timeout if timeout is None else timeout)

    def index(self) -> list[dict[str, Any]]:
        """Every model version with its state and reason."""
        return self._ask("index", None)  # type: ignore[no-any-return]

    def load(self, name: str, version: int | None = None, *, wait: bool = True,
             timeout: float | None = None) -> list[dict[str, Any]]:
        """Load (or reload) ``name``; with ``wait``, answered once its versions are loaded."""
        return self._ask("load", {"name": name, "version": version, "wait": wait, "timeout": timeout},  # type: ignore[no-any-return]
                         None if timeout is None else timeout + 5.0)

    def unload(self, name: str, version: int | None = None) -> list[dict[str, Any]]:
        """Unload ``name`` (or one version) once its live leases are released."""
        return self._ask("unload", {"name": name, "version": version})  # type: ignore[no-any-return]

    def ready(self, name: str, version: int | None = None) -> bool:
        """Whether ``name`` (or that version) is READY."""
        return self._ask("ready", {"name": name, "version": version})  # type: ignore[no-any-return]

    def metadata(self, name: str, version: int | None = None) -> dict[str, Any]:
        """What the repository declares of ``name``."""
        return self._ask("metadata", {"name": name, "version": version})  # type: ignore[no-any-return]

    def statistics(self, name: str | None = None) -> dict[str, Any]:
        """The pool's counters and acquire latencies (see ``Pool.statistics``)."""
        return self._ask("statistics", {"name": name})  # type: ignore[no-any-return]

    def call(self, name: str, *args: Any, version: int | None = None, timeout: float | None = None,
             **kwargs: Any) -> Any:
        """Call model ``name`` with ``args`` where the pool lives; NumPy outputs come back as lists."""
        payload: dict[str, Any] = {"name": name, "args": args}  # only what is set: a small frame
        if version is not None:
            payload["version"] = version
        if kwargs:
            payload["kwargs"] = kwargs
        if timeout is not None:
            payload["timeout"] = timeout
        return self._ask("call", payload, None if timeout is None else timeout + 5.0)
