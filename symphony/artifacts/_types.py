"""The values the artifact store returns besides bytes: versions, rankings, stats, gc reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["ArtifactStat", "GcReport", "Ranked", "Version"]


class Version(NamedTuple):
    """One version of a name."""

    name: str
    number: int
    """1 for the first version, counting up."""
    digest: str
    created: float


class Ranked(NamedTuple):
    """An artifact ranked by its aggregated quality score."""

    name: str
    version: int
    digest: str
    score: float
    """Mean of the ratings."""
    ratings: int
    """How many sources rated it."""


@dataclass(frozen=True)
class ArtifactStat:
    """What the store knows about an artifact besides its bytes."""

    digest: str
    size: int
    created: float
    metadata: dict[str, Any]
    parents: list[str]
    chunks: int
    """How many chunks hold it (0: stored inline)."""
    quality: float | None
    """Mean rating, None if never rated."""
    ratings: dict[str, float] = field(default_factory=dict)
    """Latest score from each source."""
    pinned: str | None = None
    """The pin's reason, or None if not pinned."""


@dataclass
class GcReport:
    """What ``gc`` removed."""

    artifacts: list[str] = field(default_factory=list)
    chunks: int = 0
    bytes_freed: int = 0
