"""What a page that connects later must be told: the core's notifications that set state
(themes, styles, each view's settings and status items), kept so a reloaded page misses none.

The core sends each ``def_style`` once per connection and the theme only when it changes; a
page that reloads has lost them, though the core still uses those style ids. ``Replay`` keeps
the last word on each such thing, and :meth:`Replay.messages` gives them again in the order a
new frontend needs them: globals, styles, then each view's state.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Replay"]

#: Notifications where only the last one counts, for the whole core.
_GLOBAL = ("available_themes", "available_languages", "theme_changed")
#: Notifications where only the last one counts, per view.
_PER_VIEW = ("language_changed", "available_plugins")


class Replay:
    """The state-setting notifications seen so far, to send again to a new page."""

    def __init__(self) -> None:
        self._global: dict[str, Any] = {}
        self._styles: dict[Any, Any] = {}
        self._views: dict[str, dict[str, Any]] = {}

    def note(self, method: str, params: Any) -> None:
        """Keep what ``method(params)``, sent by the core, tells a frontend for good."""
        if method == "def_style":
            if isinstance(params, dict) and isinstance(params.get("id"), int):
                self._styles[params["id"]] = params
            return
        if method in _GLOBAL:
            self._global[method] = params
            return
        view_id = params.get("view_id") if isinstance(params, dict) else None
        if not isinstance(view_id, str):
            return
        if method == "config_changed":
            state = self._view(view_id)
            merged = dict(state.get("config_changed", {}).get("changes", {}))
            changes = params.get("changes")
            merged.update(changes if isinstance(changes, dict) else {})
            state["config_changed"] = {"view_id": view_id, "changes": merged}
        elif method in _PER_VIEW:
            self._view(view_id)[method] = params
        elif method in ("add_status_item", "update_status_item"):
            items = self._view(view_id).setdefault("status", {})
            key = (params.get("source"), params.get("key"))
            if method == "add_status_item" or key in items:
                items[key] = {**items.get(key, {}), **params}
        elif method == "remove_status_item":
            self._view(view_id).get("status", {}).pop((params.get("source"), params.get("key")), None)
        elif method == "update_cmds":
            self._view(view_id).setdefault("cmds", {})[params.get("plugin")] = params

    def _view(self, view_id: str) -> dict[str, Any]:
        return self._views.setdefault(view_id, {})

    def forget_view(self, view_id: str) -> None:
        """The view was closed: nothing of it is sent again."""
        self._views.pop(view_id, None)

    def messages(self, views: list[str]) -> list[tuple[str, Any]]:
        """``(method, params)`` to send a new page, in order, for the open ``views``."""
        out: list[tuple[str, Any]] = [(m, self._global[m]) for m in _GLOBAL if m in self._global]
        out += [("def_style", params) for params in self._styles.values()]
        for view_id in views:
            state = self._views.get(view_id, {})
            for method in ("config_changed", *_PER_VIEW):
                if method in state:
                    out.append((method, state[method]))
            for params in state.get("cmds", {}).values():
                out.append(("update_cmds", params))
            for params in state.get("status", {}).values():
                out.append(("add_status_item", params))
        return out
