"""An instrument: classifies an iris flower with the pool manager's model ``iris``.

The task's input is the four measurements (``[sepal length, sepal width, petal length,
petal width]`` in cm, or ``{"features": [...]}``); ``task["context"]["model"]`` names
another pool model to use. The model answers a class index (``predict``) or a row of
class probabilities (``predict_proba``); either way the result is
``{"label": "setosa" | "versicolor" | "virginica", "score": float, "model": name}``.
It needs the permission ``models``; without it ``ctx.models.call`` raises PermissionDenied.
"""

from __future__ import annotations

import math
from typing import Any

SPECIES = ("setosa", "versicolor", "virginica")


def _plain(value: Any) -> Any:
    """NumPy arrays and scalars as lists and numbers."""
    tolist = getattr(value, "tolist", None)
    return tolist() if tolist is not None else value


def _features(data: Any) -> list[float]:
    if isinstance(data, dict):
        data = data.get("features")
    if (not isinstance(data, (list, tuple)) or len(data) != 4
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in data)):
        raise ValueError(f"an iris is four finite measurements in cm, not {data!r}")
    return [float(x) for x in data]


class Instrument:
    """The extension object: the host instantiates it, then calls ``activate`` and ``run``."""

    def activate(self, ctx: Any) -> None:
        self.default_model = "iris"

    def run(self, task: dict[str, Any], ctx: Any) -> dict[str, Any]:
        row = _features(task["input"])
        model = str(task["context"].get("model", self.default_model))
        out = _plain(ctx.models.call(model, [row]))[0]
        if isinstance(out, list):  # probabilities per class
            best = max(range(len(out)), key=out.__getitem__)
            return {"label": SPECIES[best], "score": float(out[best]), "model": model}
        return {"label": SPECIES[int(out)], "score": 1.0, "model": model}

    def deactivate(self) -> None:
        pass
