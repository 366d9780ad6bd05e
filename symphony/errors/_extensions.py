"""Errors of the extension host: one extension's manifest, API version, lifecycle, permissions
or process.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "ExtensionApiMismatch",
    "ExtensionError",
    "ExtensionFailed",
    "ExtensionManifestError",
    "ExtensionNotFound",
    "ExtensionStateError",
    "ExtensionTimeout",
    "PermissionDenied",
]


class ExtensionError(SymphonyError):
    """Root of what the extension host (``symphony.extensions``) raises about one extension:
    raised (as one of its subclasses) for its manifest, its API version, its lifecycle, its
    permissions or its process.

    Whatever one extension does, the host and every other extension keep working.
    """


class ExtensionManifestError(ExtensionError, ValueError):
    """Raised when an ``extension.toml`` (or an entry point's manifest) cannot be used: a
    missing or mistyped field, an unknown kind, permission or activation event, an entry
    that leaves the extension's directory. The message names the file and the field;
    nothing is installed or loaded.

    Differs from :class:`ExtensionApiMismatch`: that manifest is well formed, but asks for
    an extension API this host does not provide.
    """


class ExtensionApiMismatch(ExtensionError):
    """Raised when an extension's declared API version range excludes this host's extension
    API version. It is refused before any of its code is imported or started, never later.
    """


class ExtensionNotFound(ExtensionError, LookupError):
    """Raised when no installed extension has the id asked for (or it has no command,
    operator or task by that name)."""


class ExtensionStateError(ExtensionError):
    """Raised for a lifecycle step the extension's current state does not allow: activating
    a disabled extension, enabling an uninstalled one, invoking one that is not enabled.
    The extension's state is unchanged.
    """


class PermissionDenied(ExtensionError, PermissionError):
    """Raised to an extension that used a capability its manifest does not declare (writing
    an artifact without ``artifacts:write``, a file outside the workspace, a process without
    ``process:run``). Nothing was done; the host also publishes the violation as an event
    for the user.
    """


class ExtensionFailed(ExtensionError):
    """Raised to the caller of an extension whose code raised, whose process crashed or
    answered a protocol error, or which the host gave up restarting. ``.extension`` names it.

    Differs from :class:`ExtensionTimeout`: the extension answered (or died), it did not hang.
    """

    def __init__(self, message: str, extension: str = "") -> None:
        super().__init__(message)
        self.extension = extension


class ExtensionTimeout(ExtensionFailed, TimeoutError):
    """Raised when an extension did not answer a call in time. An out-of-process extension
    that hangs is killed and restarted; the call is not retried by the host."""
