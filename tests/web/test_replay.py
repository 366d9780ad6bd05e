"""``Replay``: the state-setting notifications a reloaded page gets again, last word only, in order."""

from __future__ import annotations

from symphony.web import Replay


def test_the_last_word_on_each_thing_in_the_order_a_page_needs_it():
    r = Replay()
    r.note("available_themes", {"themes": ["A"]})
    r.note("def_style", {"id": 2, "fg_color": 1})
    r.note("theme_changed", {"name": "A", "theme": {}})
    r.note("config_changed", {"view_id": "v1", "changes": {"tab_size": 4, "word_wrap": False}})
    r.note("config_changed", {"view_id": "v1", "changes": {"tab_size": 2}})
    r.note("def_style", {"id": 3, "italic": True})
    r.note("theme_changed", {"name": "B", "theme": {}})
    r.note("language_changed", {"view_id": "v1", "language_id": "Python"})
    r.note("add_status_item", {"view_id": "v1", "source": "lsp", "key": "k", "value": "1", "alignment": "left"})
    r.note("update_status_item", {"view_id": "v1", "source": "lsp", "key": "k", "value": "2"})
    r.note("update_status_item", {"view_id": "v1", "source": "lsp", "key": "never-added", "value": "x"})
    r.note("add_status_item", {"view_id": "v1", "source": "lsp", "key": "gone", "value": "x", "alignment": "left"})
    r.note("remove_status_item", {"view_id": "v1", "source": "lsp", "key": "gone"})
    r.note("language_changed", {"view_id": "v2", "language_id": "Rust"})
    r.note("scroll_to", {"view_id": "v1", "line": 3, "col": 0})  # not state: the page asks again
    assert r.messages(["v1"]) == [
        ("available_themes", {"themes": ["A"]}),
        ("theme_changed", {"name": "B", "theme": {}}),
        ("def_style", {"id": 2, "fg_color": 1}),
        ("def_style", {"id": 3, "italic": True}),
        ("config_changed", {"view_id": "v1", "changes": {"tab_size": 2, "word_wrap": False}}),
        ("language_changed", {"view_id": "v1", "language_id": "Python"}),
        ("add_status_item", {"view_id": "v1", "source": "lsp", "key": "k", "value": "2", "alignment": "left"}),
    ]
    r.forget_view("v1")
    assert [m for m, _ in r.messages(["v1", "v2"])] == ["available_themes", "theme_changed", "def_style",
                                                        "def_style", "language_changed"]


def test_malformed_notifications_are_ignored():
    r = Replay()
    for params in (None, 5, "x", [], {"view_id": 3}, {"no": "view"}):
        r.note("config_changed", params)
        r.note("language_changed", params)
        r.note("def_style", params)
        r.note("remove_status_item", params)
    r.note("config_changed", {"view_id": "v", "changes": None})
    assert r.messages(["v"]) == [("config_changed", {"view_id": "v", "changes": {}})]
