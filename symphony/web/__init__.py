"""``symphony web``: the editor in a browser, a thin client of the xi frontend protocol.

A :class:`WebServer` serves the page (plain JavaScript modules shipped in ``static/``) and a
WebSocket on loopback; every frame is one message of the protocol ``symphony serve`` speaks,
to one core held by a :class:`WebBridge` for the server's life, so a page that reloads or
loses its connection takes up its views again, unsaved edits included. The core is an
in-process ``XiCore`` or, with :class:`RemoteSide`, a ``symphony serve --listen`` elsewhere.
docs/web.md describes the page, the extra messages and the security model.

``aiohttp`` (the ``web`` extra) is imported only when the server is.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._bridge import CoreSide, PageLink, RemoteSide, WebBridge
from ._files import list_dir
from ._replay import Replay
from ._security import new_token, origin_ok, token_ok

if TYPE_CHECKING:
    from ._server import MAX_FRAME, STATIC_DIR, WebServer

__getattr__ = lazy_exports(__name__, globals(), {"MAX_FRAME": "_server", "STATIC_DIR": "_server",
                                                 "WebServer": "_server"})

__all__ = [
    "MAX_FRAME",
    "STATIC_DIR",
    "CoreSide",
    "PageLink",
    "RemoteSide",
    "Replay",
    "WebBridge",
    "WebServer",
    "list_dir",
    "new_token",
    "origin_ok",
    "token_ok",
]
