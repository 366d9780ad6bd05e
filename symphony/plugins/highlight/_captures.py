"""Tree-sitter capture names (``@keyword``, ``@function.method``) as TextMate-style scopes.

The grammar wheels' highlight queries name their captures in tree-sitter's vocabulary; spans
carry the TextMate names xi's syntect plugin sent (and that themes are written for). A capture
not listed maps through its longest listed prefix (``function.method.call`` as
``function.method``); one with no listed prefix keeps its own name. ``@none`` (Markdown) is ``""``: no scope.
"""

from __future__ import annotations

import functools

__all__ = ["CAPTURE_SCOPES", "scope_for_capture"]

#: Capture name -> scope.
CAPTURE_SCOPES: dict[str, str] = {
    "attribute": "entity.other.attribute-name",
    "boolean": "constant.language.boolean",
    "comment": "comment.line",
    "comment.documentation": "comment.block.documentation",
    "constant": "variable.other.constant",
    "constant.builtin": "constant.language",
    "constructor": "entity.name.type.class",
    "delimiter": "punctuation.separator",
    "embedded": "meta.embedded",
    "escape": "constant.character.escape",
    "function": "entity.name.function",
    "function.builtin": "support.function.builtin",
    "function.macro": "entity.name.function.macro",
    "function.method": "entity.name.function.method",
    "function.special": "entity.name.function.preprocessor",
    "keyword": "keyword.control",
    "label": "entity.name.label",
    "module": "entity.name.namespace",
    "none": "",
    "number": "constant.numeric",
    "operator": "keyword.operator",
    "property": "variable.other.property",
    "punctuation": "punctuation",
    "punctuation.bracket": "punctuation.section.brackets",
    "punctuation.delimiter": "punctuation.separator",
    "punctuation.special": "punctuation.special",
    "string": "string.quoted",
    "string.escape": "constant.character.escape",
    "string.regex": "string.regexp",
    "string.special": "string.regexp",
    "string.special.key": "support.type.property-name",
    "tag": "entity.name.tag",
    "text.emphasis": "markup.italic",
    "text.literal": "markup.raw",
    "text.reference": "markup.underline.link",
    "text.strong": "markup.bold",
    "text.title": "markup.heading",
    "text.uri": "markup.underline.link",
    "type": "storage.type",
    "type.builtin": "storage.type.builtin",
    "variable": "variable.other",
    "variable.builtin": "variable.language",
    "variable.parameter": "variable.parameter",
}


@functools.lru_cache(maxsize=None)
def scope_for_capture(name: str) -> str:
    """The scope of capture ``name`` (the listed name or its longest listed prefix, else ``name``)."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        hit = CAPTURE_SCOPES.get(".".join(parts[:n]))
        if hit is not None:
            return hit
    return name
