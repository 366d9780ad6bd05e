"""Symphony: an embeddable Python actor library with pluggable transports.

The backend of an AI-first development environment. Import it, start a ``Node``, spawn
actors and talk to them through ``Ref``s with ``Message`` envelopes. See the README.
"""

import logging as _logging

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
    AskTimeout,
    CycleError,
    DecodeError,
    EncodeError,
    IntegrityError,
    MailboxFull,
    MessageExpired,
    NameTaken,
    NodeStopped,
    SchemaError,
    SymphonyError,
    TaskTimeout,
    TransportNotFound,
    WorkflowCancelled,
    WorkflowError,
    WorkflowFailed,
)

__all__ = [
    "Actor",
    "ActorDead",
    "ActorNotFound",
    "ArtifactInUse",
    "ArtifactNotFound",
    "ArtifactStore",
    "AskTimeout",
    "CycleError",
    "DeadLetter",
    "DecodeError",
    "EncodeError",
    "Future",
    "IntegrityError",
    "MailboxFull",
    "Message",
    "MessageBuilder",
    "MessageExpired",
    "MessageType",
    "NameTaken",
    "Node",
    "NodeStopped",
    "PROTOCOL_VERSION",
    "Priority",
    "Ref",
    "SchemaError",
    "Supervision",
    "SymphonyError",
    "TaskTimeout",
    "Tracer",
    "TransportNotFound",
    "Workflow",
    "WorkflowCancelled",
    "WorkflowError",
    "WorkflowFailed",
    "available_transports",
    "decode",
    "encode",
    "register_kind",
    "registered_kinds",
    "unregister_kind",
    "validate",
    "__version__",
]

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

#: The AIDE layer's entry classes, imported on first use (they pull in lmdb, xxhash, networkx).
_LAZY = {"ArtifactStore": "symphony.artifacts", "Workflow": "symphony.dag"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'symphony' has no attribute {name!r}")
