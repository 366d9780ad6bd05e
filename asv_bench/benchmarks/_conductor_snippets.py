"""A labelled set of real code snippets and two real classifiers trained on it, for the
conductor's end-to-end benchmark (and its test).

Snippets are runs of lines cut from real files on this machine, labelled by the language of
their file: ``python`` (the standard library), ``javascript``, ``json``, ``toml``,
``markdown`` and ``c`` (site-packages, ``/usr/share``, ``/usr/include``). Files are split into
a training and a test half first, so no test snippet comes from a file seen in training.
``short`` snippets are 1-2 lines, ``long`` ones 12-40 lines.

The two classifiers are scikit-learn pipelines trained here (nothing is downloaded), each a
specialist: ``char-nb`` (character 1-3-grams, TF-IDF, multinomial naive Bayes) learnt from
short snippets, ``word-logreg`` (word and symbol tokens, TF-IDF, logistic regression) learnt
from long ones; so which one to ask depends on the snippet, which is what a contextual
router should learn.
"""

from __future__ import annotations

import os
import pickle
import random
import sysconfig
from pathlib import Path
from typing import Any, Iterator

__all__ = ["LANGUAGES", "Snippet", "labelled_set", "train_classifiers", "write_repository"]

LANGUAGES = ("python", "javascript", "json", "toml", "markdown", "c")
_EXTENSIONS = {"python": (".py",), "javascript": (".js",), "json": (".json",), "toml": (".toml",),
               "markdown": (".md",), "c": (".c", ".h")}
_MAX_BYTES = 400_000
Snippet = tuple[str, str, str]  # (text, language, "short" | "long")


def _roots(language: str) -> list[str]:
    site = sysconfig.get_paths()["purelib"]
    if language == "python":
        return [sysconfig.get_paths()["stdlib"]]
    if language == "c":
        return ["/usr/include", site]
    return [site, "/usr/share"]


def _walk(root: str, extensions: tuple[str, ...], limit: int) -> Iterator[str]:
    found = 0
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        dirs[:] = [d for d in dirs if d not in ("test", "tests", "__pycache__", "node_modules")]
        for name in sorted(files):
            if name.endswith(extensions):
                yield os.path.join(directory, name)
                found += 1
                if found >= limit:
                    return


def _files(language: str, limit: int) -> list[str]:
    out: list[str] = []
    for root in _roots(language):
        if os.path.isdir(root):
            out.extend(_walk(root, _EXTENSIONS[language], limit * 4))
    usable = []
    for path in out:
        try:
            if 200 < os.path.getsize(path) < _MAX_BYTES:
                usable.append(path)
        except OSError:
            continue
    return usable


def _read_lines(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in text.splitlines() if line.strip()]


def _cut(lines: list[str], rng: random.Random, size: str) -> str | None:
    n = rng.randint(1, 2) if size == "short" else rng.randint(12, 40)
    if len(lines) < n:
        return None
    start = rng.randrange(0, len(lines) - n + 1)
    return "\n".join(lines[start:start + n])


def labelled_set(per_language: int = 300, *, files_per_language: int = 120,
                 seed: int = 7) -> tuple[list[Snippet], list[Snippet]]:
    """``(train, test)`` snippets: about ``per_language`` of each language in each, half short
    and half long, cut from disjoint halves of each language's files. Raises
    ``NotImplementedError`` when this machine lacks files of some language."""
    rng = random.Random(seed)
    train: list[Snippet] = []
    test: list[Snippet] = []
    for language in LANGUAGES:
        files = _files(language, files_per_language)
        rng.shuffle(files)
        files = files[:files_per_language]
        if len(files) < 6:
            raise NotImplementedError(f"too few {language} files on this machine ({len(files)})")
        half = len(files) // 2
        for out, chosen in ((train, files[:half]), (test, files[half:])):
            texts = [lines for lines in (_read_lines(p) for p in chosen) if lines]
            made = 0
            attempts = 0
            while made < per_language and attempts < per_language * 20:
                attempts += 1
                size = "short" if made % 2 == 0 else "long"
                snippet = _cut(rng.choice(texts), rng, size)
                if snippet is not None:
                    out.append((snippet, language, size))
                    made += 1
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def train_classifiers(train: list[Snippet]) -> dict[str, Any]:
    """The two specialists (see the module docstring), fitted now: ``{"char-nb": pipeline,
    "word-logreg": pipeline}``; each ``predict([text, ...])`` returns language labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline

    short = [(t, lang) for t, lang, size in train if size == "short"]
    long = [(t, lang) for t, lang, size in train if size == "long"]
    char_nb = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), max_features=30000,
                                            sublinear_tf=True), MultinomialNB(alpha=0.05))
    char_nb.fit([t for t, _ in short], [lang for _, lang in short])
    word_lr = make_pipeline(TfidfVectorizer(token_pattern=r"[A-Za-z_][A-Za-z0-9_]*|[^\sA-Za-z0-9_]",
                                            lowercase=False, max_features=30000, sublinear_tf=True),
                            LogisticRegression(max_iter=500, C=4.0))
    word_lr.fit([t for t, _ in long], [lang for _, lang in long])
    return {"char-nb": char_nb, "word-logreg": word_lr}


def write_repository(root: str | Path, models: dict[str, Any]) -> Path:
    """A pool model repository at ``root`` serving each model (``NAME/1/model.toml``, the
    ``sklearn`` loader, a pickle), as the pool manager's tests build theirs."""
    for name, model in models.items():
        directory = Path(root) / name / "1"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "model.pkl").write_bytes(pickle.dumps(model))
        (directory / "model.toml").write_text('loader = "sklearn"\nfile = "model.pkl"\nwarmup = ["x = 1"]\n',
                                              encoding="utf-8")
    return Path(root)
