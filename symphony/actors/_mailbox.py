"""An actor's mailbox: the most urgent message first, first-in first-out within a level.

The queue itself is the speedup ``symphony._speedups._mailbox`` (compiled, or its pure
twin; see there for the invariants). This class gives it the envelope's standard priority
levels, whose queues are kept once created and appended to without a lock; a custom level
is dropped when emptied, so ``priority=random()`` from a misbehaving sender cannot grow
the mailbox's bookkeeping without bound.

Entries are ``(message, future_or_None)`` pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _speedups
from ..envelope._priority import STANDARD_PRIORITIES

if TYPE_CHECKING:
    from .._speedups._mailbox_py import Mailbox as _Queue
else:
    _Queue = _speedups.load("_mailbox").Mailbox

__all__ = ["Mailbox"]



class Mailbox(_Queue):
    """Priority-then-arrival ordered queue of ``(message, future)`` entries for one actor.

    Shaped like pykka's ``ActorInbox`` (``put``, ``get``, ``empty``), but ``put`` takes the
    entry's priority and an optional bound, and ``get`` never blocks: actors run on shared
    dispatcher threads and are scheduled only when their mailbox has something.
    """

    __slots__ = ()
    fixed_levels = frozenset(STANDARD_PRIORITIES)
