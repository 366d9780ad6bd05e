"""Where the actor layer finds transports: by URI scheme, in the ``symphony.transports``
entry point group, so a third-party package can add a scheme without touching Symphony."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from ..errors import TransportNotFound

__all__ = ["ENTRY_POINT_GROUP", "available_transports", "transport_for"]

ENTRY_POINT_GROUP = "symphony.transports"


def available_transports() -> dict[str, str]:
    """The installed transports: ``{scheme: "module:object"}``."""
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def transport_for(scheme: str) -> Any:
    """The transport class registered for ``scheme``; raises ``TransportNotFound`` if none is."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == scheme:
            return ep.load()
    known = ", ".join(sorted(available_transports())) or "none installed"
    raise TransportNotFound(f"no transport for scheme {scheme!r} ({known})")
