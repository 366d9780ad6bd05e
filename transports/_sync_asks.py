"""Asks done on the calling thread over a channel of its own to the peer: no hand-off to
the I/O thread on the way out or back (what ``Ref.ask`` tries first, where the transport
offers it). Each transport makes its channels (``_open_sync_channel``); one per thread and peer.
"""

from __future__ import annotations

from typing import Any

from ._inbound import Inbound, _delivery
from ._peer import Peer

__all__ = ["SyncAsks"]


class SyncAsks(Inbound):
    """``Inbound`` with asks on the caller's own channel; see the module docstring."""

    def _sync_channel(self, peer: Peer) -> Any:
        """This thread's own channel to ``peer``: ``send(packet)``, ``recv(timeout) -> [packets]``.

        Made on first use by ``_open_sync_channel`` and kept per thread, so a thread's asks
        to one peer share a channel and never contend with other threads for it.
        """
        tls = self._tls
        channels = getattr(tls, "channels", None)
        if channels is None:
            channels = tls.channels = {}
        channel = channels.get(peer.endpoint)
        if channel is None:
            channel = channels[peer.endpoint] = self._open_sync_channel(peer)
        return channel

    def _open_sync_channel(self, peer: Peer) -> Any:
        """A new channel to ``peer`` for the calling thread's asks (each transport makes its own)."""
        raise NotImplementedError

    #: ``_sync_ask(peer, name, address, msg, future, timeout) -> bool``: do an ask on the
    #: calling thread, over its own channel to ``peer``; resolves ``future``.
    _sync_ask = _delivery.sync_ask
