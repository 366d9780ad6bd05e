"""The xi frontend protocol carried over Symphony's transports: names and limits both ends share.

A remote frontend is a node. It asks the serve node's host actor (``"xi"``) to ``OPEN`` a
session and gets the names of the session's two actors: it sends its JSON-RPC lines to the
input actor (``INPUT`` asks, each holding one or more whole lines, in order) and long-polls the
output actor (``POLL`` asks, answered as soon as the core has written something, else after
``poll_wait`` seconds with nothing) for what the core writes: the same bytes ``symphony serve``
writes on stdout, in the same order. ``CLOSE`` ends a session. Every message travels as a
signed, replay-checked transport frame, so the frontend gets the node's authentication, replay
protection and frame limits; the session's own limits are below.
"""

from __future__ import annotations

__all__ = [
    "CLOSE",
    "HOST_ACTOR",
    "IDLE_TIMEOUT",
    "INPUT",
    "MAX_CHUNK",
    "MAX_OUTPUT",
    "MAX_SESSIONS",
    "OPEN",
    "POLL",
    "POLL_WAIT",
    "actor_address",
    "take_chunk",
]

#: The name of the actor a remote frontend opens sessions with.
HOST_ACTOR = "xi"
#: Message kinds: open a session, send input lines, poll for output, close a session.
OPEN = "xi.open"
INPUT = "xi.input"
POLL = "xi.poll"
CLOSE = "xi.close"
#: Seconds a poll waits for output before it is answered with nothing.
POLL_WAIT = 5.0
#: Seconds without a poll or input after which a session is closed (its frontend is gone).
IDLE_TIMEOUT = 30.0
#: Bytes of output a session holds for a frontend that does not poll; past it, it is closed.
MAX_OUTPUT = 64 << 20
#: Largest answer to one poll (a longer line is split across polls; the client joins it).
MAX_CHUNK = 1 << 20
#: Sessions one serve node hosts at once.
MAX_SESSIONS = 64


def actor_address(endpoint: str, actor: str) -> str:
    """The address of ``actor`` on the node at ``endpoint`` (``tcp://h:p``, ``unix:///p``)."""
    return f"{endpoint}#{actor}"


def take_chunk(buffer: bytearray, limit: int = MAX_CHUNK) -> bytes:
    """Remove and return the start of ``buffer``: all of it if it fits ``limit``, else up to
    the last newline within ``limit`` (or ``limit`` bytes of a line longer than that)."""
    if len(buffer) <= limit:
        data = bytes(buffer)
        buffer.clear()
        return data
    cut = buffer.rfind(b"\n", 0, limit)
    end = cut + 1 if cut >= 0 else limit
    data = bytes(buffer[:end])
    del buffer[:end]
    return data
