"""``PromptLine``: the editor app's one-line prompt under the text, for find (Ctrl+F), replace
(Ctrl+R), go to line (Ctrl+G) and rename (F2): it takes the keys until Enter, then gives them
back to the text and sends what was asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Input

from ._language import LanguageFeatures
from ._view import EditorView

__all__ = ["PromptLine"]


class PromptLine:
    """Mixed into the editor app: the prompt's actions (``prompt_line`` is the ``Input`` in its layout)."""

    editor_view: EditorView
    language: LanguageFeatures
    prompt_line: Input
    _prompt_kind: str

    if TYPE_CHECKING:
        def edit(self, method: str, params: Any = None, callback: Any = None) -> None: ...

    def action_prompt(self, kind: str) -> None:
        prompt = self.prompt_line
        self._prompt_kind = kind
        prompt.placeholder = {"find": "find (re: prefix for a regex)", "replace": "find => replacement",
                              "goto": "line number", "rename": "rename to (the new name)"}[kind]
        prompt.value = ""
        prompt.add_class("visible")
        prompt.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        prompt = self.prompt_line
        prompt.remove_class("visible")
        self.editor_view.focus()
        value = event.value
        if self._prompt_kind == "find" and value:
            regex = value.startswith("re:")
            self.edit("find", {"chars": value[3:] if regex else value, "case_sensitive": False, "regex": regex})
            self.edit("find_next", {"wrap_around": True, "allow_same": True})
        elif self._prompt_kind == "replace" and "=>" in value:
            find, repl = (x.strip() for x in value.split("=>", 1))
            self.edit("find", {"chars": find, "case_sensitive": True})
            self.edit("replace", {"chars": repl})
            self.edit("replace_all", {})
            self.edit("cancel_operation")  # one caret after replacing, not one per replacement
        elif self._prompt_kind == "rename":
            self.language.rename(value.strip())
        elif self._prompt_kind == "goto" and value.strip().isdigit():
            self.edit("goto_line", {"line": max(0, int(value) - 1)})

