"""The lifecycle states of one model version, as Triton's model control names them."""

from __future__ import annotations

import enum

__all__ = ["ModelState"]


class ModelState(str, enum.Enum):
    """Where one model version is in its lifecycle.

    ``UNKNOWN``: known to the repository, never loaded. ``LOADING``: its loader runs on a
    background thread. ``READY``: leases are granted. ``UNLOADING``: no new lease is granted;
    it is closed once the last live lease is released. ``UNAVAILABLE``: its load failed (the
    slot's ``reason`` says why, and an ``acquire`` raises ``ModelUnavailable``) or it was
    unloaded or evicted (``reason`` "unloaded" / "evicted"; the next ``acquire`` loads it again).
    """

    UNKNOWN = "UNKNOWN"
    LOADING = "LOADING"
    READY = "READY"
    UNLOADING = "UNLOADING"
    UNAVAILABLE = "UNAVAILABLE"
