"""What a packet transport does with a packet that arrived: open it (signature, replay,
shape) before decoding any entry, deliver tells and asks to local actors (an actor that
answers quickly earns handling on the I/O thread), resolve pending asks by correlation id,
and send each ask's outcome back. Every drop is counted; nothing from a peer raises out.

The per-message work is ``_delivery`` (compiled when built, else its pure twin
``_delivery_py``, chosen by ``symphony._twins``); this class binds it as its methods.
"""

from __future__ import annotations

from typing import Any

from symphony.actors._future import Future
from symphony.envelope import Message

from ._frames import FAIL, error_payload
from ._io_loop import IOLoop, _delivery
from ._link import _Packer, logger

__all__ = ["Inbound"]


class Inbound(IOLoop):
    """``IOLoop`` that handles what arrives; see the module docstring."""

    #: ``_on_packet(origin, packet) -> bool``: handle one packet from ``origin`` (a ``Peer``
    #: for replies on an outgoing link, else the subclass's inbound origin). False if it was
    #: dropped unopened (bad signature, replay, garbage): ``origin`` has not proved who it is.
    _on_packet = _delivery.on_packet
    #: ``_on_reply(op, correlation, data)``: resolve a pending ask by its correlation id.
    _on_reply = _delivery.on_reply
    #: ``_send_reply(origin, msg, name, started, inline, future, alone=False)``: queue the
    #: reply to ``msg`` for ``origin`` (sealed and sent at once when ``alone``).
    _send_reply = _delivery.send_reply

    def _reply(self, origin: Any, msg: Message[Any], name: str, started: float, inline: bool,
               future: Future[Any], *, alone: bool = False) -> None:
        """Send the outcome of an ask that came from ``origin`` back to it (any thread)."""
        if self._closed:
            return
        try:
            self._send_reply(origin, msg, name, started, inline, future, alone)
        except Exception as exc:  # noqa: BLE001 - the asker must hear something, never wait forever
            logger.exception("could not send the reply to %r", msg._kind)
            entry = (origin, FAIL, msg._id_bytes(), _Packer().pack(error_payload(exc)))
            self._outbox.append(entry)
            self._wake_armed = False
            self._wake()
