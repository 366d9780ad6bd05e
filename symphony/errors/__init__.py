"""Every error Symphony raises, in one hierarchy rooted at :class:`SymphonyError`.

Catch ``SymphonyError`` to handle anything the library raises on purpose. Each class says
when it is raised and how it differs from its neighbours. Errors that mean the same as a
builtin also derive from that builtin (``AskTimeout`` is a ``TimeoutError``,
``ActorNotFound`` a ``LookupError``), so code that knows only the builtins still works.

Later layers add their errors here too, so there is one place to look: each area's errors live
in a small module of this package (``_core`` for the envelope and the actors, ``_transports``,
``_artifacts``, ``_dag``, ``_text``, ``_protocols``, ``_pool``, ``_extensions``, ``_conductor``,
``_cli``; the root, :class:`SymphonyError`, in ``_base``), and every one is exported from here.

Every error's ``__module__`` is ``"symphony.errors"``, whichever module defines it: errors
travel by that name (a remote failure's ``remote_type`` is ``"symphony.errors.EncodeError"``,
the transports map such names back to local types, pickles refer to it), so the names stay what
they were when this was one module and do not change when an error moves between the modules.
"""

from __future__ import annotations

from ._artifacts import (
    ArtifactInUse,
    ArtifactNotFound,
    ArtifactStoreFull,
    IntegrityError,
    InvalidQuery,
    SearchUnavailable,
)
from ._base import SymphonyError
from ._cli import CommandError
from ._conductor import ConductorError, NoCapableAgent, PolicyError, TaskFailed, TaskRejected
from ._core import (
    ActorDead,
    ActorNotFound,
    AskTimeout,
    DecodeError,
    EncodeError,
    MailboxFull,
    MessageExpired,
    NameTaken,
    NodeStopped,
    SchemaError,
    TransportNotFound,
)
from ._dag import CycleError, TaskTimeout, WorkflowCancelled, WorkflowError, WorkflowFailed
from ._extensions import (
    ExtensionApiMismatch,
    ExtensionError,
    ExtensionFailed,
    ExtensionManifestError,
    ExtensionNotFound,
    ExtensionStateError,
    ExtensionTimeout,
    PermissionDenied,
)
from ._pool import ModelManifestError, ModelNotFound, ModelTimeout, ModelUnavailable, PoolError, PoolFull
from ._protocols import LanguageServerError, ManifestError, PluginError, PluginProtocolError, RpcError
from ._text import DeltaError, FileEncodingError
from ._transports import DeliveryError, InsecureListen, RemoteError, _rebuild_remote_error

__all__ = [
    "ActorDead",
    "ActorNotFound",
    "ArtifactInUse",
    "ArtifactNotFound",
    "ArtifactStoreFull",
    "AskTimeout",
    "CommandError",
    "ConductorError",
    "CycleError",
    "DecodeError",
    "DeliveryError",
    "DeltaError",
    "EncodeError",
    "ExtensionApiMismatch",
    "ExtensionError",
    "ExtensionFailed",
    "ExtensionManifestError",
    "ExtensionNotFound",
    "ExtensionStateError",
    "ExtensionTimeout",
    "FileEncodingError",
    "InsecureListen",
    "IntegrityError",
    "InvalidQuery",
    "LanguageServerError",
    "MailboxFull",
    "ManifestError",
    "MessageExpired",
    "ModelManifestError",
    "ModelNotFound",
    "ModelTimeout",
    "ModelUnavailable",
    "NameTaken",
    "NoCapableAgent",
    "NodeStopped",
    "PermissionDenied",
    "PluginError",
    "PluginProtocolError",
    "PolicyError",
    "PoolError",
    "PoolFull",
    "RemoteError",
    "RpcError",
    "SchemaError",
    "SearchUnavailable",
    "SymphonyError",
    "TaskFailed",
    "TaskRejected",
    "TaskTimeout",
    "TransportNotFound",
    "WorkflowCancelled",
    "WorkflowError",
    "WorkflowFailed",
]

# The public name of each error (and of the function that unpickles a RemoteError, which old
# pickles name as ``symphony.errors._rebuild_remote_error``) is in this package, not its module.
for _exported in [*(globals()[_name] for _name in __all__), _rebuild_remote_error]:
    _exported.__module__ = __name__
del _exported
