"""What plugins tell the editor about the text: diagnostics (``update`` annotations of type
``"diagnostic"``) and status items (``add_status_item``/``update_status_item``/``remove_status_item``).

Both are plain state, read by the view (gutter markers, underlines) and the status line. An
``update`` carries the annotations meeting the lines the core sent, in visual lines and
UTF-8 columns, and every update carries them once a plugin has sent any; so each update's
list replaces the last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SEVERITY_COLOURS", "Diagnostic", "Diagnostics", "StatusItems"]

#: Severity -> (gutter marker colour); the gutter shows the most severe diagnostic of a line.
SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "information": "blue", "hint": "cyan"}
_RANK = {"error": 0, "warning": 1, "information": 2, "hint": 3}


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic: visual rows and UTF-8 columns ``[start, end)``, its severity and message."""

    start_row: int
    start_col: int
    end_row: int
    end_col: int
    severity: str
    message: str
    source: str

    def covers(self, row: int) -> bool:
        return self.start_row <= row <= self.end_row

    def columns(self, row: int, row_len: int) -> tuple[int, int]:
        """The UTF-8 columns it covers on ``row`` (at least one column, to be visible)."""
        start = self.start_col if row == self.start_row else 0
        end = self.end_col if row == self.end_row else row_len
        return start, max(end, start + 1)

    def describe(self) -> str:
        """``"warning: 'os' imported but unused (pyflakes)"``."""
        source = f" ({self.source})" if self.source else ""
        return f"{self.severity}: {self.message}{source}"


def _diagnostic(rng: Any, payload: Any) -> Diagnostic | None:
    if not (isinstance(rng, list) and len(rng) == 4 and all(type(v) is int and v >= 0 for v in rng)):
        return None
    data = payload if isinstance(payload, dict) else {}
    severity = data.get("severity")
    message, source = data.get("message"), data.get("source")
    return Diagnostic(rng[0], rng[1], rng[2], rng[3], severity if severity in _RANK else "error",
                      " ".join(message.split()) if isinstance(message, str) else "",
                      source if isinstance(source, str) else "")


class Diagnostics:
    """The diagnostics of the lines the editor holds, from the last ``update`` that carried any."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def apply(self, annotations: Any) -> None:
        """Take an ``update``'s ``annotations`` (the ``"diagnostic"`` slices; malformed entries skipped)."""
        items: list[Diagnostic] = []
        for block in annotations if isinstance(annotations, list) else ():
            if not isinstance(block, dict) or block.get("type") != "diagnostic":
                continue
            ranges, payloads = block.get("ranges"), block.get("payloads")
            if not isinstance(ranges, list):
                continue
            payloads = payloads if isinstance(payloads, list) else []
            for k, rng in enumerate(ranges):
                found = _diagnostic(rng, payloads[k] if k < len(payloads) else None)
                if found is not None:
                    items.append(found)
        items.sort(key=lambda d: (d.start_row, d.start_col, _RANK[d.severity]))
        self.items = items

    def on_row(self, row: int) -> list[Diagnostic]:
        """The diagnostics that cover visual line ``row``, most severe first."""
        return sorted((d for d in self.items if d.covers(row)), key=lambda d: _RANK[d.severity])

    def severity(self, row: int) -> str | None:
        """The severity of the most severe diagnostic on ``row``, or None."""
        found = self.on_row(row)
        return found[0].severity if found else None

    def at(self, row: int, col: int) -> Diagnostic | None:
        """The diagnostic to tell of with the caret at ``(row, col)``: one under the caret, else the
        most severe on its line."""
        found = self.on_row(row)
        for d in found:
            start, end = d.columns(row, 1 << 30)
            if start <= col <= end:
                return d
        return found[0] if found else None


class StatusItems:
    """Plugins' status items, by key, in the order they were added."""

    #: The longest value shown (a completion list in a status item would fill the line).
    MAX_SHOWN = 60

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def handle(self, method: str, params: Any) -> bool:
        """Apply an ``add_status_item``/``update_status_item``/``remove_status_item``; True if it was one."""
        if method not in ("add_status_item", "update_status_item", "remove_status_item") or not isinstance(params, dict):
            return False
        key = params.get("key")
        if not isinstance(key, str):
            return True
        if method == "remove_status_item":
            self.items.pop(key, None)
        else:
            value = params.get("value")
            self.items[key] = value if isinstance(value, str) else ""
        return True

    def shown(self) -> list[str]:
        """The non-empty values, each cut to :attr:`MAX_SHOWN` characters."""
        out = []
        for value in self.items.values():
            value = " ".join(value.split())
            if value:
                out.append(value if len(value) <= self.MAX_SHOWN else value[:self.MAX_SHOWN - 1] + "…")
        return out
