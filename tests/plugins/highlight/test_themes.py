"""Themes give valid def_style params and theme_changed settings, as xi sends them."""

from __future__ import annotations

import json

import pytest

from symphony.plugins._scopes import SCOPE_TOKENS, scope_for_token, token_for_scope
from symphony.plugins._themes import DEFAULT_THEME, THEMES, Style, Theme
from symphony.plugins.highlight import CAPTURE_SCOPES

DEF_STYLE_KEYS = {"id", "fg_color", "bg_color", "weight", "italic", "underline"}


def test_there_is_a_dark_and_a_light_theme_and_the_default_exists():
    assert any(t.dark for t in THEMES.values())
    assert any(not t.dark for t in THEMES.values())
    assert DEFAULT_THEME in THEMES
    for name, theme in THEMES.items():
        assert theme.name == name


@pytest.mark.parametrize("name", sorted(THEMES))
def test_every_scope_gets_a_valid_def_style(name):
    theme = THEMES[name]
    scopes = {scope for scope, _token in SCOPE_TOKENS} | {s for s in CAPTURE_SCOPES.values() if s}
    styled = 0
    for i, scope in enumerate(sorted(scopes), start=2):
        d = theme.style_for(["source", scope]).to_def_style(i)
        json.dumps(d)
        assert set(d) <= DEF_STYLE_KEYS and d["id"] == i
        for key in ("fg_color", "bg_color"):
            if key in d:
                assert isinstance(d[key], int) and 0 <= d[key] <= 0xFFFFFFFF and d[key] >> 24 == 0xFF
        assert d.get("weight", 400) in range(100, 901)
        assert d.get("italic", False) in (True, False) and d.get("underline", False) in (True, False)
        styled += "fg_color" in d
    assert styled > len(scopes) // 2  # most scopes have a colour of their own


@pytest.mark.parametrize("name", sorted(THEMES))
def test_settings_are_syntect_theme_settings(name):
    settings = THEMES[name].settings()
    json.dumps(settings)
    for key in ("foreground", "background", "caret", "line_highlight", "selection", "gutter", "gutter_foreground"):
        colour = settings[key]
        assert set(colour) == {"r", "g", "b", "a"} and all(0 <= v <= 255 for v in colour.values())
    assert settings["accent"] is None  # what a Pygments style does not say is null, as in syntect
    fg, bg = settings["foreground"], settings["background"]
    assert fg != bg
    luminance = (bg["r"] * 299 + bg["g"] * 587 + bg["b"] * 114) / 1000
    assert (luminance < 128) == THEMES[name].dark


def test_the_innermost_scope_with_a_style_decides():
    theme = THEMES["Monokai"]
    keyword = theme.style_for(["keyword.control"])
    string = theme.style_for(["string.quoted"])
    assert keyword != string
    assert theme.style_for(["string.quoted", "keyword.control"]) == keyword
    assert theme.style_for(["keyword.control", "no.such.scope"]) == keyword
    assert theme.style_for([]) == Style() == theme.style_for(["no.such.scope"])
    assert Style().to_def_style(7) == {"id": 7}


def test_scopes_and_tokens_round_trip():
    from pygments.token import Comment, Keyword, Name, String, Token

    assert scope_for_token(Keyword) == "keyword.control"
    assert scope_for_token(String.Double) == "string.quoted"
    assert scope_for_token(Comment.Single) == "comment.line"
    assert scope_for_token(Name.Function) == "entity.name.function"
    assert scope_for_token(Name) == "" and scope_for_token(Token.Text) == ""
    assert token_for_scope("entity.name.function.method") is Name.Function
    assert token_for_scope("string.quotedx") is Token
    assert token_for_scope("") is Token
    for scope, _token in SCOPE_TOKENS:
        assert token_for_scope(scope) is not Token


def test_a_theme_on_a_missing_pygments_style_is_left_out():
    from symphony.plugins._themes import _themes

    assert set(_themes(("X", "no-such-style", True), ("Y", "default", False))) == {"Y"}
    assert isinstance(THEMES["Friendly"], Theme)
