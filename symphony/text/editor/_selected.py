"""What a view has selected, for a task or an extension command run on it (``XiCore``'s ``run_task``).

A task runs on the selected text, or on the whole document when nothing is selected (only
carets). Its context names the file, the document's language and every region of the view,
as ``[start_line, start_column, end_line, end_column]`` with columns in code points.
"""

from __future__ import annotations

from typing import Any

from ._buffer import Buffer

__all__ = ["selected"]


def selected(buffer: Buffer, view_id: str, limit: int | None) -> dict[str, Any]:
    """``{path, language, regions, selected, size[, text]}`` of view ``view_id`` of ``buffer``.

    ``size`` is the length (code points) of what a task runs on: the selected regions' text
    (joined by ``"\\n"``, as ``copy`` joins them), or the whole text when no region is a
    selection. ``text`` holds it when ``limit`` is not None and ``size <= limit`` (so a
    document too large for a task is never copied); ``selected`` says whether any region is a
    selection. Raises ``RpcError`` for an unknown view.
    """
    view = buffer.view(view_id)
    rope = buffer.rope
    ranges = []
    chosen = []
    for region in view.regions:
        start_line, start_col = rope.line_col(region.start)
        end_line, end_col = rope.line_col(region.end)
        ranges.append([start_line, start_col, end_line, end_col])
        if not region.is_caret:
            chosen.append(region)
    size = sum(r.end - r.start for r in chosen) + max(0, len(chosen) - 1) if chosen else len(rope)
    out: dict[str, Any] = {"path": buffer.path, "language": buffer.language, "regions": ranges,
                           "selected": bool(chosen), "size": size}
    if limit is not None and size <= limit:
        out["text"] = "\n".join(rope[r.start:r.end] for r in chosen) if chosen else buffer.text()
    return out
