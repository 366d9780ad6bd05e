#!/usr/bin/env python3
"""A word count in the status bar, written with the Symphony plugin SDK.

On each edit the plugin asks to be called when idle, and recounts then: a burst of keystrokes
costs one count. The command ``wordcount.report`` (declared in ``manifest.toml``) shows the
words, lines and characters in an alert.

Run by the editor through ``exec_path`` in ``manifest.toml`` (the ``python3`` on ``PATH``
must have Symphony installed), or by hand: ``python -m symphony.plugins.sdk wordcount:WordCount``
from this folder.
"""

from __future__ import annotations

from typing import Any

from symphony.plugins.sdk import Plugin, Update, View, run
from symphony.text import Rope

KEY = "wordcount"


def count_words(text: Rope) -> int:
    """Whitespace-separated words of ``text``, chunk by chunk (a word may span two chunks)."""
    words = 0
    in_word = False
    for chunk in text.chunks():
        parts = chunk.split()
        if parts:
            words += len(parts)
            if in_word and not chunk[0].isspace():
                words -= 1  # the previous chunk's last word goes on here
            in_word = not chunk[-1].isspace()
        elif chunk:
            in_word = False
    return words


class WordCount(Plugin):
    """Keeps a ``wordcount`` status item current in every view it is given."""

    name = "wordcount"

    def label(self, view: View) -> str:
        words = count_words(view.document)
        return f"{words} word" + ("" if words == 1 else "s")

    def on_new_view(self, view: View) -> None:
        view.add_status_item(KEY, self.label(view), "right")

    def on_update(self, view: View, update: Update) -> None:
        view.schedule_idle()

    def on_idle(self, view: View) -> None:
        view.update_status_item(KEY, self.label(view))

    def on_close(self, view: View) -> None:
        view.remove_status_item(KEY)

    def on_command(self, view: View, method: str, params: Any) -> None:
        if method != "wordcount.report":
            view.alert(f"wordcount: no command {method!r}")
            return
        doc = view.document
        view.alert(f"{count_words(doc)} words, {doc.line_count} lines, {len(doc)} characters")


if __name__ == "__main__":
    run(WordCount())
