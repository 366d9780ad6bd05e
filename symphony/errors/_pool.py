"""Errors of the pool manager: a model that is unknown, badly declared, unusable, late, or that
does not fit.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "ModelManifestError",
    "ModelNotFound",
    "ModelTimeout",
    "ModelUnavailable",
    "PoolError",
    "PoolFull",
]


class PoolError(SymphonyError):
    """Root of what the pool manager (``symphony.pool``) raises: raised (as one of its
    subclasses) for a model that is not in the repository, cannot be loaded, does not fit
    the memory budget, or was not ready in time.

    The pool keeps serving every other model whatever one model does.
    """


class ModelNotFound(PoolError, LookupError):
    """Raised when a model name (or a version of it) is neither in the pool's repository nor
    registered in code, or is not served under the version policy in force.

    Differs from :class:`ModelUnavailable`: that model exists but cannot be used now.
    """


class ModelManifestError(PoolError, ValueError):
    """Raised when a model's ``model.toml`` (or a manifest given in code) is not valid: not
    TOML, a required field missing or of the wrong type, an unknown loader, a model file
    outside the version's directory, a negative memory figure.

    That version is left UNAVAILABLE with this reason; the repository's other models and
    versions are still served. Differs from :class:`ManifestError`, which is about plugins.
    """


class ModelUnavailable(PoolError):
    """Raised by ``acquire``/``call`` when the model is known but cannot serve: its load
    failed (a corrupt file, a loader that raised; the reason is in the message and in the
    model's ``reason``), it was unloaded, or it is larger than the whole memory budget.

    Differs from :class:`ModelNotFound` (no such model) and :class:`ModelTimeout` (it is
    loading and was not ready in time).
    """


class ModelTimeout(PoolError, TimeoutError):
    """Raised by ``acquire``/``call`` when the model did not become READY within the caller's
    timeout (or the message's TTL), or when ``wait=False`` was asked and it was not READY.

    The load goes on: a later ``acquire`` may find the model ready.
    """


class PoolFull(PoolError):
    """Raised when a model cannot be loaded because the memory budget is taken by models
    with live leases (a leased model is never evicted), or a model's concurrent-lease limit
    is reached and the caller asked not to wait.

    Differs from :class:`ModelUnavailable`: the model itself is fine, and the same request
    can succeed once leases are released.
    """
