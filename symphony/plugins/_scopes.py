"""The scope vocabulary shared by the highlighter and the themes: TextMate-style names.

Spans carry scopes such as ``keyword.control`` or ``string.quoted`` (what xi's syntect plugin
sends, so a theme written for TextMate scopes applies). Pygments token types are the other
vocabulary in play: the Pygments engine produces them and the themes are built from Pygments
styles. ``SCOPE_TOKENS`` is the one table between the two, read in both directions.
"""

from __future__ import annotations

from pygments.token import (
    Comment, Error, Generic, Keyword, Name, Number, Operator, Punctuation, String, Token, _TokenType,
)

__all__ = ["SCOPE_TOKENS", "scope_for_token", "token_for_scope"]

#: ``(scope, Pygments token type)`` pairs, most specific first within each family. A token type
#: maps to the scope of its nearest listed ancestor; a scope to the token of its longest listed prefix.
SCOPE_TOKENS: tuple[tuple[str, _TokenType], ...] = (
    ("string.quoted.docstring", String.Doc),
    ("comment.block.documentation", String.Doc),
    ("comment.block", Comment.Multiline),
    ("comment.line", Comment),
    ("meta.preprocessor", Comment.Preproc),
    ("string.regexp", String.Regex),
    ("string.unquoted", String.Other),
    ("string.quoted", String),
    ("constant.character.escape", String.Escape),
    ("constant.character", String.Char),
    ("meta.interpolation", String.Interpol),
    ("constant.numeric", Number),
    ("constant.language", Keyword.Constant),
    ("variable.other.constant", Name.Constant),
    ("keyword.control.import", Keyword.Namespace),
    ("keyword.operator.word", Operator.Word),
    ("keyword.operator", Operator),
    ("keyword.control", Keyword),
    ("keyword.declaration", Keyword.Declaration),
    ("storage.type.builtin", Keyword.Type),
    ("storage.type", Keyword.Type),
    ("support.type.exception", Name.Exception),
    ("support.function.builtin", Name.Builtin),
    ("support.type", Name.Builtin),
    ("entity.name.function.decorator", Name.Decorator),
    ("entity.name.function.macro", Name.Function.Magic),
    ("entity.name.function", Name.Function),
    ("entity.name.type.class", Name.Class),
    ("entity.name.namespace", Name.Namespace),
    ("entity.name.tag", Name.Tag),
    ("entity.name.label", Name.Label),
    ("entity.other.attribute-name", Name.Attribute),
    ("support.type.property-name", Name.Attribute),
    ("variable.language", Name.Builtin.Pseudo),
    ("variable.parameter", Name.Variable),
    ("variable.other.property", Name.Property),
    ("variable.other", Name.Variable),
    ("punctuation.special", Punctuation.Marker),
    ("punctuation", Punctuation),
    ("markup.heading", Generic.Heading),
    ("markup.italic", Generic.Emph),
    ("markup.bold", Generic.Strong),
    ("markup.inserted", Generic.Inserted),
    ("markup.deleted", Generic.Deleted),
    ("markup.raw", String.Backtick),
    ("markup.underline.link", Name.Label),
    ("markup.quote", Generic.Emph),
    ("meta.embedded", String.Interpol),
    ("invalid.illegal", Error),
)

_SCOPE_OF: dict[_TokenType, str] = {}
for _scope, _token in SCOPE_TOKENS:
    _SCOPE_OF.setdefault(_token, _scope)
# A token type reached from the Pygments engine but never named above keeps no scope: plain text.
_SCOPE_OF[Token] = ""
_SCOPE_OF[Name] = ""
_SCOPE_OF[Generic] = ""

_TOKEN_OF: dict[str, _TokenType] = {}
for _scope, _token in SCOPE_TOKENS:
    _TOKEN_OF.setdefault(_scope, _token)

_token_cache: dict[_TokenType, str] = {}
_scope_cache: dict[str, _TokenType] = {}


def scope_for_token(ttype: _TokenType) -> str:
    """The scope of a Pygments token type (its nearest listed ancestor's); ``""`` for plain text."""
    try:
        return _token_cache[ttype]
    except KeyError:
        pass
    t: _TokenType | None = ttype
    scope = ""
    while t is not None:
        if t in _SCOPE_OF:
            scope = _SCOPE_OF[t]
            break
        t = t.parent
    _token_cache[ttype] = scope
    return scope


def token_for_scope(scope: str) -> _TokenType:
    """The Pygments token type styling ``scope``: the one of its longest listed prefix, else ``Token``.

    ``entity.name.function.method`` styles as ``entity.name.function`` does; a prefix counts
    only at a dot (``string.quotedx`` is not ``string.quoted``).
    """
    try:
        return _scope_cache[scope]
    except KeyError:
        pass
    parts = scope.split(".")
    token: _TokenType = Token
    for n in range(len(parts), 0, -1):
        hit = _TOKEN_OF.get(".".join(parts[:n]))
        if hit is not None:
            token = hit
            break
    _scope_cache[scope] = token
    return token
