"""``Task``: one task of a workflow, as ``Workflow.add`` records it and the tracker runs it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Task"]


@dataclass(frozen=True)
class Task:
    """One task of a workflow (see :meth:`Workflow.add`)."""

    name: str
    fn: Callable[..., Any]
    deps: tuple[str, ...] = ()
    retries: int = 0
    timeout: float | None = None
    cache: bool = False

    def fingerprint(self) -> str:
        """Identity used to match checkpoint records: the function's qualified name and the deps."""
        fn = self.fn
        ident = f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', type(fn).__qualname__)}"
        return ident + "|" + ",".join(self.deps)
