"""``edit resync``: a frontend that lost its line cache (a reloaded web page) gets the view
again from the core (settings, language, every window line, the caret), its unsaved edits kept."""

from __future__ import annotations

from .test_serve import typed
from .xi_client import LineCache, XiClient


def test_resync_sends_the_whole_window_again_with_unsaved_edits(xi: XiClient, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("".join(f"line {i}\n" for i in range(200)))
    v = xi.new_view(str(path))
    xi.edit(v, "scroll", [100, 130])
    xi.edit(v, "goto_line", {"line": 110})
    typed(xi, v, "unsaved ")
    text = xi.sync_check(v)
    assert "unsaved line 110" in text
    settings_before = sum(1 for m in xi.notifications if m["method"] == "config_changed")
    xi.caches[v] = LineCache()  # the page forgot everything it held
    xi.scroll_to.pop(v, None)
    xi.edit(v, "resync")
    xi.sync_check(v, text)  # every line it now holds is right...
    held = xi.caches[v].valid()
    assert 100 in held and 129 in held  # ...and it holds the window it scrolled to
    assert xi.scroll_to[v] == (110, len("unsaved "))
    assert sum(1 for m in xi.notifications if m["method"] == "config_changed") == settings_before + 1
    assert xi.last("language_changed")["view_id"] == v
    assert xi.pristine[v] is False  # still unsaved: nothing was reloaded from disk


def test_resync_of_an_unknown_view_is_refused_and_the_core_keeps_serving(xi: XiClient):
    xi.edit("view-id-99", "resync")
    v = xi.new_view()
    typed(xi, v, "ok")
    xi.sync_check(v, "ok")
    assert any("view-id-99" in m["params"]["msg"] for m in xi.notifications if m["method"] == "alert")
