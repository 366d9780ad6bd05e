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
    AskTimeout,
    DecodeError,
    DeliveryError,
    EncodeError,
    InsecureListen,
    MailboxFull,
    MessageExpired,
    NameTaken,
    NodeStopped,
    RemoteError,
    SchemaError,
    SymphonyError,
    TransportNotFound,
)

__all__ = [
    "PROTOCOL_VERSION",
    "Actor",
    "ActorDead",
    "ActorNotFound",
    "AskTimeout",
    "DeadLetter",
    "DecodeError",
    "DeliveryError",
    "EncodeError",
    "Format",
    "Future",
    "InsecureListen",
    "MailboxFull",
    "Message",
    "MessageBuilder",
    "MessageExpired",
    "MessageType",
    "NameTaken",
    "Node",
    "NodeStopped",
    "Priority",
    "Ref",
    "RemoteError",
    "SchemaError",
    "Supervision",
    "SymphonyError",
    "Tracer",
    "TransportNotFound",
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
