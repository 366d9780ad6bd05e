"""Priority levels and message types: the two small enumerations every envelope carries."""

from __future__ import annotations

import enum

__all__ = ["MessageType", "Priority"]


class Priority(enum.IntEnum):
    """How urgent a message is; higher is more urgent.

    Any other integer is a custom level and sorts among these by value:
    ``priority=500`` is served after CRITICAL and before HIGH. Within one level, messages
    are served in arrival order.
    """

    CRITICAL = 1000
    HIGH = 100
    NORMAL = 0
    LOW = -100
    BACKGROUND = -1000


class MessageType(enum.IntEnum):
    """What role a message plays in a conversation.

    ``tell`` sends an EVENT and ``ask`` a REQUEST; the answer to a REQUEST is a RESPONSE, or an
    ERROR carrying the failure. HEARTBEAT keeps connections between nodes alive. The integer
    values are the wire form and never change.
    """

    REQUEST = 1
    RESPONSE = 2
    EVENT = 3
    ERROR = 4
    HEARTBEAT = 5


#: Standard priority levels by value, so decoded integers come back as ``Priority`` members.
STANDARD_PRIORITIES: dict[int, Priority] = {int(p): p for p in Priority}
MESSAGE_TYPES: dict[int, MessageType] = {int(t): t for t in MessageType}
