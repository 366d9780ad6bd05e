"""The terminal editor behind ``symphony edit``: a textual app that is a plain client of ``symphony serve``.

``CoreConnection`` starts the core process and speaks the xi frontend protocol to it;
``EditorApp`` draws the views and sends the keys. textual is an optional dependency
(``pip install 'symphony-aide[edit]'``), so import this package only when the editor runs.
"""

from ._app import EditorApp
from ._core_client import CoreConnection
from ._view import EditorView

__all__ = ["CoreConnection", "EditorApp", "EditorView"]
