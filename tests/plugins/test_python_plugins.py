"""A Python plugin registered by the entry point group ``symphony.plugins`` runs out of process through
``python -m symphony.plugins.sdk module:Class`` (the SDK, built beside the host: skipped without it)."""

from __future__ import annotations

import os

import pytest

from .conftest import wait_until

pytest.importorskip("symphony.plugins.sdk")

PLUGIN = '''
from symphony.plugins.sdk import Plugin


class WordCount(Plugin):
    name = "wc"

    def on_new_view(self, view):
        view.add_status_item("words", str(len(str(view.document).split())))

    def on_update(self, view, update):
        view.update_status_item("words", str(len(str(view.document).split())))
'''


def test_an_entry_point_plugin_runs_through_the_sdk(make_core, tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "wc-1.0.dist-info").mkdir(parents=True)
    (site / "wc-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: wc\nVersion: 1.0\n")
    (site / "wc-1.0.dist-info" / "entry_points.txt").write_text("[symphony.plugins]\nwc = wc_plugin:WordCount\n")
    (site / "wc_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), root, os.environ.get("PYTHONPATH", "")]))
    core = make_core(entry_points=True)
    core.start()
    view = core.open()
    core.edit(view, "insert", {"chars": "one two three"})
    assert wait_until(lambda: {"view_id": view, "key": "words", "value": "3"} in core.sent.of("update_status_item"))
    assert core.sent.of("add_status_item")[0]["source"] == "wc"
