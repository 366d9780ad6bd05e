"""An extension's lifecycle: its states, the steps between them, and what the host knows of it.

    INSTALLED -> ENABLED -> ACTIVATED -> DEACTIVATED -> DISABLED -> UNINSTALLED
                    ^  \\______ FAILED (activate or a call raised) ___/    |
                    \\____________________________________________________/  (enable again)

ENABLED and DEACTIVATED are both "enabled, not running": an activation event starts it.
FAILED keeps the reason; the next activation event starts a fresh instance (as a
supervisor restarts a failed actor), ``disable`` stops it from trying.
Invariant: :func:`check_transition` allows exactly :data:`TRANSITIONS`; a refused step raises
:class:`~symphony.errors.ExtensionStateError` and changes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..errors import ExtensionStateError
from ._manifest import ExtensionManifest

__all__ = ["ENABLED_STATES", "TRANSITIONS", "ExtensionInfo", "ExtensionState", "check_transition"]


class ExtensionState(enum.Enum):
    """Where an extension is in its lifecycle (see the module docstring)."""

    INSTALLED = "installed"
    ENABLED = "enabled"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"
    DISABLED = "disabled"
    UNINSTALLED = "uninstalled"
    FAILED = "failed"


S = ExtensionState
#: state -> the states it may move to.
TRANSITIONS: dict[ExtensionState, frozenset[ExtensionState]] = {
    S.INSTALLED: frozenset({S.ENABLED, S.DISABLED, S.UNINSTALLED}),
    S.ENABLED: frozenset({S.ACTIVATED, S.DISABLED, S.FAILED, S.UNINSTALLED}),
    S.ACTIVATED: frozenset({S.DEACTIVATED, S.FAILED}),
    S.DEACTIVATED: frozenset({S.ACTIVATED, S.DISABLED, S.FAILED, S.UNINSTALLED}),
    S.DISABLED: frozenset({S.ENABLED, S.UNINSTALLED}),
    S.FAILED: frozenset({S.ACTIVATED, S.ENABLED, S.DISABLED, S.FAILED, S.UNINSTALLED}),
    S.UNINSTALLED: frozenset({S.INSTALLED}),
}
#: The states in which an extension may be activated and invoked.
ENABLED_STATES = frozenset({S.ENABLED, S.ACTIVATED, S.DEACTIVATED, S.FAILED})


def check_transition(ext_id: str, current: ExtensionState, target: ExtensionState) -> None:
    """Raise ExtensionStateError unless ``current -> target`` is a lifecycle step."""
    if target not in TRANSITIONS[current]:
        raise ExtensionStateError(f"extension {ext_id} is {current.value}; it cannot become {target.value}")


@dataclass(frozen=True)
class ExtensionInfo:
    """A snapshot of one extension: its manifest, state, why it failed or was refused
    (``reason``), and counts of activations, calls and calls that raised (``errors``)."""

    manifest: ExtensionManifest
    state: ExtensionState
    reason: str = ""
    activations: int = 0
    calls: int = 0
    errors: int = 0

    @property
    def id(self) -> str:
        """The extension's id."""
        return self.manifest.id

    def to_json(self) -> dict[str, object]:
        """The snapshot as JSON-compatible data (``symphony ext info --json``)."""
        return {"id": self.id, "state": self.state.value, "reason": self.reason, "activations": self.activations,
                "calls": self.calls, "errors": self.errors, "source": self.manifest.source,
                "root": None if self.manifest.root is None else str(self.manifest.root),
                "manifest": self.manifest.to_json()}
