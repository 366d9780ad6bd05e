"""Symphony: an embeddable Python actor library with pluggable transports.

The backend of an AI-first development environment. Import it, start a ``Node``, spawn
actors and talk to them through ``Ref``s with ``Message`` envelopes. See the README.
"""

import logging as _logging
from typing import TYPE_CHECKING

from ._version import __version__
from .actors import (
    Actor,
    DeadLetter,
    Future,
    Node,
    Ref,
    Supervision,
    Tracer,
    available_transports,
)
from .envelope import (
    PROTOCOL_VERSION,
    Format,
    Message,
    MessageBuilder,
    MessageType,
    Priority,
    decode,
    encode,
    register_kind,
    registered_kinds,
    unregister_kind,
    validate,
)
from .errors import (
    ActorDead,
    ActorNotFound,
    ArtifactInUse,
    ArtifactNotFound,
    ArtifactStoreFull,
    AskTimeout,
    CommandError,
    ConductorError,
    CycleError,
    DecodeError,
    DeliveryError,
    DeltaError,
    EncodeError,
    ExtensionApiMismatch,
    ExtensionError,
    ExtensionFailed,
    ExtensionManifestError,
    ExtensionNotFound,
    ExtensionStateError,
    ExtensionTimeout,
    FileEncodingError,
    InsecureListen,
    IntegrityError,
    InvalidQuery,
    LanguageServerError,
    MailboxFull,
    ManifestError,
    MessageExpired,
    ModelManifestError,
    ModelNotFound,
    ModelTimeout,
    ModelUnavailable,
    NameTaken,
    NoCapableAgent,
    NodeStopped,
    PermissionDenied,
    PluginError,
    PluginProtocolError,
    PolicyError,
    PoolError,
    PoolFull,
    RemoteError,
    RpcError,
    SchemaError,
    SearchUnavailable,
    SymphonyError,
    TaskFailed,
    TaskRejected,
    TaskTimeout,
    TransportNotFound,
    WorkflowCancelled,
    WorkflowError,
    WorkflowFailed,
)

__all__ = [
    "PROTOCOL_VERSION",
    "Actor",
    "ActorDead",
    "ActorNotFound",
    "ArtifactInUse",
    "ArtifactNotFound",
    "ArtifactStore",
    "ArtifactStoreFull",
    "AskTimeout",
    "CommandError",
    "ConductorError",
    "CycleError",
    "DeadLetter",
    "DecodeError",
    "DeliveryError",
    "Delta",
    "DeltaBuilder",
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
    "Format",
    "Future",
    "InsecureListen",
    "IntegrityError",
    "InvalidQuery",
    "LanguageServerError",
    "MailboxFull",
    "ManifestError",
    "Message",
    "MessageBuilder",
    "MessageExpired",
    "MessageType",
    "ModelManifestError",
    "ModelNotFound",
    "ModelTimeout",
    "ModelUnavailable",
    "NameTaken",
    "NoCapableAgent",
    "Node",
    "NodeStopped",
    "PermissionDenied",
    "PluginError",
    "PluginProtocolError",
    "PolicyError",
    "PoolError",
    "PoolFull",
    "Priority",
    "Ref",
    "RemoteError",
    "Rope",
    "RpcError",
    "SchemaError",
    "SearchUnavailable",
    "Supervision",
    "SymphonyError",
    "TaskFailed",
    "TaskRejected",
    "TaskTimeout",
    "Tracer",
    "TransportNotFound",
    "Workflow",
    "WorkflowCancelled",
    "WorkflowError",
    "WorkflowFailed",
    "__version__",
    "available_transports",
    "decode",
    "encode",
    "register_kind",
    "registered_kinds",
    "unregister_kind",
    "validate",
]

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

#: Exports from the layers below the core (text, AIDE), imported on first use: a host that
#: only needs actors does not pay for the rope's compiled module, lmdb or networkx.
_LAZY = {
    "ArtifactStore": "symphony.artifacts",
    "Delta": "symphony.text",
    "DeltaBuilder": "symphony.text",
    "Rope": "symphony.text",
    "Workflow": "symphony.dag",
}

if TYPE_CHECKING:
    from .artifacts import ArtifactStore
    from .dag import Workflow
    from .text import Delta, DeltaBuilder, Rope


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'symphony' has no attribute {name!r}")
