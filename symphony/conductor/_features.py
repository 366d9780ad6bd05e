"""Task features for routing: a fixed-length, bounded, deterministic vector from a task.

``featurize(kind, text, context)`` gives ``n_features`` float64 values:

====== ==============================================================================
slot   value
====== ==============================================================================
0      bias, always 1.0
1      log length: ``log1p(chars) / log1p(10**6)``, capped at 1
2      log line count: ``log1p(lines) / log1p(10**5)``, capped at 1
3..7   shares (0..1) of non-ASCII, symbol (not alphanumeric, not space), digit, upper-case
       and whitespace characters among the first ``SAMPLE`` characters
8..    hashed slots (the "hashing trick", MurmurHash3 with a fixed seed, each feature
       adding +-1 to one slot chosen by the hash, the sign by another bit of it). The
       first half of them: the task kind, the file extension and the language (from the
       context); the second half: up to ``TOKENS`` distinct identifier-like tokens of the
       text's start, each weighing ``1/sqrt(tokens)`` so they add up to a norm of at most
       1. Two regions, so that the varying tokens never blur the task's kind or language
       (which the router relies on most). Each slot is clipped to [-2, 2].
====== ==============================================================================

Every value lies in [-2, 2] whatever the input (a 100 MB text reads only its first
``SAMPLE`` characters for the shares and tokens, and counts its lines in C), and the same
task gives the same vector in every process (no Python ``hash``, which is salted).
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Mapping

import mmh3
import numpy as np

__all__ = ["LANGUAGES", "MIN_FEATURES", "featurize"]

#: The fewest features ``featurize`` gives (8 fixed slots and at least 8 hashed ones).
MIN_FEATURES = 16
#: Characters of the text read for the shares and the tokens.
SAMPLE = 4096
#: Distinct tokens hashed at most.
TOKENS = 16
_FIXED = 8
_SEED = 0x5F3759DF
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{1,31}")
_LOG_CHARS = math.log1p(1_000_000)
_LOG_LINES = math.log1p(100_000)

#: File extension -> language, for a context that names files but no language.
LANGUAGES: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyx": "cython", ".rs": "rust", ".js": "javascript",
    ".mjs": "javascript", ".ts": "typescript", ".tsx": "typescript", ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp", ".go": "go", ".java": "java", ".rb": "ruby",
    ".md": "markdown", ".rst": "rst", ".txt": "text", ".json": "json", ".toml": "toml",
    ".yaml": "yaml", ".yml": "yaml", ".sh": "shell", ".html": "html", ".css": "css", ".sql": "sql",
}


def _path(context: Mapping[str, Any]) -> str | None:
    """The file the task is about: ``context["path"]``, else the first of ``context["files"]``."""
    path = context.get("path")
    if isinstance(path, (str, os.PathLike)):
        return os.fspath(path)
    files = context.get("files")
    if isinstance(files, (list, tuple)) and files:
        first = files[0]
        if isinstance(first, Mapping):
            first = first.get("path")
        if isinstance(first, (str, os.PathLike)):
            return os.fspath(first)
    return None


def featurize(kind: str, text: str, context: Mapping[str, Any] | None = None, n_features: int = 32) -> np.ndarray:
    """The feature vector of a task of ``kind`` on ``text`` (see the module docstring).

    ``context`` may name ``language`` and a ``path`` or ``files`` (its extension is a feature,
    and gives the language when none is named); other keys are ignored. Raises ValueError for
    ``n_features`` below ``MIN_FEATURES`` and TypeError for a non-string kind or text."""
    if not isinstance(kind, str) or not isinstance(text, str):
        raise TypeError(f"kind and text must be str, got {type(kind).__name__} and {type(text).__name__}")
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < MIN_FEATURES:
        raise ValueError(f"n_features must be an int >= {MIN_FEATURES}, got {n_features!r}")
    if context is not None and not isinstance(context, Mapping):
        raise TypeError(f"context must be a mapping, got {type(context).__name__}")
    x = np.zeros(n_features)
    x[0] = 1.0
    x[1] = min(1.0, math.log1p(len(text)) / _LOG_CHARS)
    x[2] = min(1.0, math.log1p(text.count("\n") + (1 if text else 0)) / _LOG_LINES)
    sample = text[:SAMPLE]
    if sample:
        n = len(sample)
        ascii_chars = len(sample.encode("ascii", "ignore"))
        spaces = sum(map(str.isspace, sample))
        alnum = sum(map(str.isalnum, sample))
        x[3] = (n - ascii_chars) / n
        x[4] = max(0, n - alnum - spaces) / n
        x[5] = sum(map(str.isdigit, sample)) / n
        x[6] = sum(map(str.isupper, sample)) / n
        x[7] = spaces / n
    context_slots = (n_features - _FIXED + 1) // 2
    token_slots = n_features - _FIXED - context_slots

    def add(feature: str, weight: float, start: int, slots: int) -> None:
        h = mmh3.hash(feature, _SEED, signed=False)
        x[start + (h >> 1) % slots] += weight if h & 1 else -weight

    tokens_at = _FIXED + context_slots
    add("kind:" + kind, 1.0, _FIXED, context_slots)
    ctx = context or {}
    path = _path(ctx)
    ext = os.path.splitext(path)[1].lower() if path else ""
    language = ctx.get("language")
    if not isinstance(language, str) or not language:
        language = LANGUAGES.get(ext, "")
    if ext:
        add("ext:" + ext, 1.0, _FIXED, context_slots)
    if language:
        add("lang:" + language.lower(), 1.0, _FIXED, context_slots)
    tokens = list(dict.fromkeys(t.lower() for t in _TOKEN.findall(sample[:2048])))[:TOKENS]
    if tokens:
        weight = 1.0 / math.sqrt(len(tokens))
        for token in tokens:
            add("tok:" + token, weight, tokens_at, token_slots)
    np.clip(x[_FIXED:], -2.0, 2.0, out=x[_FIXED:])
    return x
