"""A motif: the command ``wordstats.count`` counts the words of the text it is given
(``args["selection"]`` when not empty, else ``args["text"]``), sets the status item
``wordstats.words`` to ``words: N`` and returns ``{"words": N, "lines": L}``.
"""

from __future__ import annotations

from typing import Any


class WordStats:
    """The extension object: the host instantiates it and calls ``command``."""

    def command(self, command_id: str, args: dict[str, Any], ctx: Any) -> dict[str, int]:
        if command_id != "wordstats.count":
            raise ValueError(f"word stats has no command {command_id!r}")
        text = args.get("selection") or args.get("text") or ""
        if not isinstance(text, str):
            raise ValueError("the text to count is a string")
        words = len(text.split())
        ctx.status("wordstats.words", f"words: {words}")
        return {"words": words, "lines": len(text.splitlines())}
