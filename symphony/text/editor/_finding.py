"""Find and replace: queries (one or several), next/previous/all matches, highlighting,
and replacing one or every match."""

from __future__ import annotations

import re
from typing import Any

from ...errors import RpcError
from . import _words as words
from ._find import Query, combine_queries, compile_query
from ._selection import Region, normalize
from ._state import INVALID_PARAMS, BufferState, param
from ._view import View

__all__ = ["FindCommands"]


class FindCommands(BufferState):
    """The find and replace commands."""

    def _find_status(self, view: View, count: bool = True) -> None:
        query = view.query
        queries = []
        if view.queries:
            for i, q in enumerate(view.queries):
                status = q.status(self._count(q) if count else None)
                status["id"] = i
                queries.append(status)
        elif query is not None:
            queries.append(query.status(self._count(query) if count else None))
        self.send("find_status", {"view_id": view.view_id, "queries": queries})

    def _count(self, query: Query) -> int:
        return sum(1 for m in query.pattern.finditer(self.text()) if m.end() > m.start())

    def cmd_find(self, view: View, params: Any) -> None:
        chars = param(params, "chars", (str, type(None)), None)
        view.queries = []
        if not chars:
            view.query = None
        else:
            view.query = compile_query(chars, bool(param(params, "case_sensitive", bool, False)),
                                       bool(param(params, "regex", bool, False)),
                                       bool(param(params, "whole_words", bool, False)))
        view.highlight = True
        view.reset_cache()
        self._find_status(view)

    def cmd_multi_find(self, view: View, params: Any) -> None:
        items = param(params, "queries", list)
        queries = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("chars"), str) or not item["chars"]:
                raise RpcError(INVALID_PARAMS, "each query needs non-empty chars")
            queries.append(compile_query(item["chars"], bool(item.get("case_sensitive", False)),
                                         bool(item.get("regex", False)), bool(item.get("whole_words", False))))
        view.queries = queries
        view.query = combine_queries(queries) if queries else None
        view.highlight = True
        view.reset_cache()
        self._find_status(view)

    def _require_query(self, view: View) -> Query:
        if view.query is None:
            raise RpcError(INVALID_PARAMS, "no search query: send find first")
        return view.query

    def _next_match(self, query: Query, start: int, forward: bool, wrap: bool) -> tuple[int, int] | None:
        text = self.text()
        if forward:
            for m in query.pattern.finditer(text, start):
                if m.end() > m.start():
                    return m.start(), m.end()
            if wrap:
                for m in query.pattern.finditer(text, 0, start + 1):
                    if m.end() > m.start():
                        return m.start(), m.end()
            return None
        found = None
        for m in query.pattern.finditer(text, 0, start):
            if m.end() > m.start():
                found = (m.start(), m.end())
        if found is None and wrap:
            for m in query.pattern.finditer(text, start):
                if m.end() > m.start():
                    found = (m.start(), m.end())
        return found

    def cmd_find_next(self, view: View, params: Any, forward: bool) -> None:
        query = self._require_query(view)
        wrap = bool(param(params, "wrap_around", bool, False))
        allow_same = bool(param(params, "allow_same", bool, False))
        mode = param(params, "modify_selection", str, "set")
        last = view.regions[-1]
        start = (last.start if allow_same else last.end) if forward else last.start
        if not forward and allow_same:
            start = last.end
        match = self._next_match(query, start, forward, wrap)
        self.history.seal()
        if match is None or mode == "none":
            return
        new = Region(match[0], match[1])
        if mode == "set":
            view.regions = [new]
        elif mode == "add":
            view.regions = normalize([*view.regions, new])
        elif mode == "add_remove_current":
            view.regions = normalize([*view.regions[:-1], new])
        else:
            raise RpcError(INVALID_PARAMS, f"unknown modify_selection {mode!r}")
        view.regions = view.regions if view.regions[-1] == new else [r for r in view.regions if r != new] + [new]

    def cmd_find_all(self, view: View, params: Any) -> None:
        query = self._require_query(view)
        found = [Region(m.start(), m.end()) for m in query.pattern.finditer(self.text()) if m.end() > m.start()]
        self.history.seal()
        if found:
            view.regions = normalize(found)
        self._find_status(view)

    def cmd_highlight_find(self, view: View, params: Any) -> None:
        view.highlight = bool(param(params, "visible", bool))
        view.reset_cache()

    def _selected_or_word(self, view: View) -> str:
        r = view.regions[-1]
        s, e = (r.start, r.end) if not r.is_caret else words.word_at(self.rope, r.active)
        return self.rope[s:e]

    def cmd_selection_for_find(self, view: View, params: Any) -> None:
        chars = self._selected_or_word(view)
        self.cmd_find(view, {"chars": chars, "case_sensitive": bool(param(params, "case_sensitive", bool, False))})

    def cmd_replace(self, view: View, params: Any) -> None:
        view.replacement = param(params, "chars", str)
        self.send("replace_status", {"view_id": view.view_id,
                                     "status": {"chars": view.replacement, "preserve_case": False}})

    def cmd_selection_for_replace(self, view: View, params: Any) -> None:
        self.cmd_replace(view, {"chars": self._selected_or_word(view)})

    def _expand(self, query: Query, m: re.Match[str], view: View) -> str:
        return m.expand(view.replacement) if query.regex else view.replacement

    def cmd_replace_next(self, view: View, params: Any) -> None:
        query = self._require_query(view)
        last = view.regions[-1]
        text = self.text()
        m = None
        for cand in query.pattern.finditer(text, last.start):
            if cand.end() > cand.start():
                m = cand
                break
        if m is None:
            for cand in query.pattern.finditer(text, 0):
                if cand.end() > cand.start():
                    m = cand
                    break
        if m is None:
            return
        self.history.seal()
        self.apply(view, [(m.start(), m.end(), self._expand(query, m, view))], "replace")
        self.history.seal()
        nxt = self._next_match(query, view.regions[-1].active, True, True)
        if nxt is not None:
            view.regions = [Region(*nxt)]
        self._find_status(view)

    def cmd_replace_all(self, view: View, params: Any) -> None:
        query = self._require_query(view)
        edits = [(m.start(), m.end(), self._expand(query, m, view))
                 for m in query.pattern.finditer(self.text()) if m.end() > m.start()]
        self.history.seal()
        self.apply(view, edits, "replace")
        self.history.seal()
        self._find_status(view)
