"""What the runner works with: a benchmark ``Case`` (one method of one asv class and its
parameter grid), the ``Outcome`` of running it for one parameter combination, and a table
``Row`` pairing our figure with one peer's."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "Outcome", "Row"]


@dataclass(frozen=True)
class Case:
    """One benchmark method of one class, with its parameter grid."""

    module: str
    cls: type
    method: str
    param_names: tuple[str, ...]
    param_values: tuple[tuple[Any, ...], ...]

    @property
    def name(self) -> str:
        """``module.Class.method``, the name filters match against."""
        return f"{self.module}.{self.cls.__name__}.{self.method}"

    @property
    def kind(self) -> str:
        """``"time"`` or ``"track"``."""
        return self.method.split("_", 1)[0]

    def attr(self, name: str, default: Any) -> Any:
        """An attribute of the method, else of the class, else ``default`` (asv's lookup order)."""
        func = getattr(self.cls, self.method)
        return getattr(func, name, getattr(self.cls, name, default))

    @property
    def unit(self) -> str:
        """Seconds for time benchmarks, the declared ``unit`` for track ones."""
        return "s" if self.kind == "time" else str(self.attr("unit", ""))

    @property
    def higher_is_better(self) -> bool:
        """Time: never. Track: when the method or class says so."""
        return self.kind == "track" and bool(self.attr("higher_is_better", False))

    def combinations(self) -> list[dict[str, Any]]:
        """Every parameter combination, as name -> value."""
        return [dict(zip(self.param_names, values)) for values in itertools.product(*self.param_values)]


@dataclass
class Outcome:
    """What one case did for one parameter combination."""

    case: str
    params: dict[str, Any]
    value: float | None = None
    unit: str = ""
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False


@dataclass
class Row:
    """One line of the table: ours against one peer for one parameter combination."""

    benchmark: str
    params: str
    unit: str
    higher_is_better: bool
    ours: float | None
    peer: str
    theirs: float | None
    target: float | None
    limit: float | None = None
    error: str | None = None
    ours_spread: float | None = None
    theirs_spread: float | None = None

    @property
    def ratio(self) -> float | None:
        """ours / peer, or None when either is missing or the peer's figure is zero."""
        if self.ours is None or self.theirs is None or self.theirs == 0:
            return None
        return self.ours / self.theirs

    @property
    def meets_target(self) -> bool | None:
        """Whether the ratio is on the right side of ``target`` (None without both)."""
        ratio = self.ratio
        if ratio is None or self.target is None:
            return None
        return ratio >= self.target if self.higher_is_better else ratio <= self.target

    @property
    def within_limit(self) -> bool | None:
        """Whether our figure is on the right side of ``limit`` (None without both)."""
        if self.ours is None or self.limit is None:
            return None
        return self.ours >= self.limit if self.higher_is_better else self.ours <= self.limit
