"""The envelope layer: ``Message``, its builder, codecs, and the registry of message kinds.

Everything that crosses a mailbox or a wire is a ``Message``. This layer imports nothing
from the layers below it (actors, transports, text, AIDE).
"""

from ._codec import PROTOCOL_VERSION, Format, decode, encode
from ._kinds import register_kind, registered_kinds, unregister_kind, validate
from ._message import Message, MessageBuilder
from ._priority import MessageType, Priority

__all__ = [
    "PROTOCOL_VERSION",
    "Format",
    "Message",
    "MessageBuilder",
    "MessageType",
    "Priority",
    "decode",
    "encode",
    "register_kind",
    "registered_kinds",
    "unregister_kind",
    "validate",
]
