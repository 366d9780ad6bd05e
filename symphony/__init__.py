"""Symphony: an embeddable Python actor library with pluggable transports.

The backend of an AI-first development environment. Import it, start a ``Node``, spawn
actors and talk to them through ``Ref``s with ``Message`` envelopes. See the README.
"""

import logging as _logging

from ._version import __version__
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
    AskTimeout,
    DecodeError,
    EncodeError,
    MailboxFull,
    MessageExpired,
    NameTaken,
    SchemaError,
    SymphonyError,
    TransportNotFound,
)

__all__ = [
    "PROTOCOL_VERSION",
    "ActorDead",
    "ActorNotFound",
    "AskTimeout",
    "DecodeError",
    "EncodeError",
    "MailboxFull",
    "Message",
    "MessageBuilder",
    "MessageExpired",
    "MessageType",
    "NameTaken",
    "Priority",
    "SchemaError",
    "SymphonyError",
    "TransportNotFound",
    "__version__",
    "decode",
    "encode",
    "register_kind",
    "registered_kinds",
    "unregister_kind",
    "validate",
]

_logging.getLogger(__name__).addHandler(_logging.NullHandler())
