"""The bundled syntax highlighter: tree-sitter where a grammar wheel exists, Pygments elsewhere.

``Highlighter(language, rope)`` keeps one document's spans current through edits (incremental
parsing with tree-sitter; a per-line lexer-state cache with Pygments); ``detect_language``
picks the language from a path and first line. The plugin that sends the spans to the core
(``HighlightPlugin``, in ``_plugin``) adapts this to the plugin SDK.
"""

from ._captures import CAPTURE_SCOPES, scope_for_capture
from ._engine import ENGINES, TREE_SITTER_MAX_BYTES, Highlighter
from ._grammars import TREE_SITTER
from ._languages import LANGUAGES, PLAIN_TEXT, detect_language
from ._plugin import HighlightPlugin
from ._types import ScopeSpan

__all__ = ["CAPTURE_SCOPES", "ENGINES", "LANGUAGES", "PLAIN_TEXT", "TREE_SITTER", "TREE_SITTER_MAX_BYTES",
           "HighlightPlugin", "Highlighter", "ScopeSpan", "detect_language", "scope_for_capture"]
