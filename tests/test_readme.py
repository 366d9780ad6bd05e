"""README.md and docs/*.md say what the code does.

- Every fenced ``python`` block runs as pasted: each in a fresh interpreter, in an empty
  temporary directory, within a time limit, and it stops what it starts (no thread still
  running at exit, no child process left behind). A block may opt out only with a visible
  ``<!-- not run: REASON -->`` on the line before its fence.
- Every repository path they name (``symphony/cli/edit.py``, ``transports/_frames.py``)
  exists, every ``symphony.x.y`` they name imports, and every relative link points at a file
  (and, with ``#anchor``, a heading) that exists.
- The benchmark plot is drawn from docs/benchmarks.json by docs/plot_benchmarks.py, and
  README.md's summary table is the one that script writes from the same file.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys

import pytest
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Seconds a block may take (pure-Python mode, on a busy 2-core machine, included).
BLOCK_TIMEOUT = 180
#: Files the documents may name before they exist: written by other tools or at run time.
NOT_IN_THE_REPOSITORY = {
    "docs/edit.svg",       # the screenshot of `symphony edit`, drawn by its own script
    "asv_bench/results",   # asv's output folders (git ignores them)
    "asv_bench/html",
}
SKIP_MARK = re.compile(r"^<!--\s*not run:\s*(\S.*?)\s*-->$")
FENCE = re.compile(r"^```(\S*)\s*$")


@dataclasses.dataclass(frozen=True)
class Block:
    path: pathlib.Path
    line: int  # 1-based line of the block's first code line
    code: str
    skip: str | None

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def fenced_blocks(path: pathlib.Path) -> list[tuple[str, int, str, str | None]]:
    """(language, first code line, code, skip reason) for each fenced block in ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i].removeprefix("> "))
        if m and m.group(1):
            before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            skip = SKIP_MARK.match(before)
            end = i + 1
            while end < len(lines) and lines[end].removeprefix("> ").strip() != "```":
                end += 1
            code = "\n".join(line.removeprefix("> ") for line in lines[i + 1:end]) + "\n"
            blocks.append((m.group(1), i + 2, code, skip.group(1) if skip else None))
            i = end
        i += 1
    return blocks


def python_blocks() -> list[Block]:
    return [Block(path, line, code, skip) for path in DOCS
            for lang, line, code, skip in fenced_blocks(path) if lang == "python"]


BLOCKS = python_blocks()

#: Runs a block, then waits for the threads it started; any still running is a failure.
RUNNER = """\
import runpy, sys, threading
runpy.run_path(sys.argv[1], run_name="__main__")
others = [t for t in threading.enumerate() if t is not threading.main_thread()]
for t in others:
    t.join(30)
alive = [t.name for t in others if t.is_alive()]
if alive:
    sys.exit(f"threads still running after the block: {alive}")
"""


def test_the_documents_have_python_blocks():
    readme = [b for b in BLOCKS if b.path.name == "README.md"]
    assert len(readme) >= 8, [str(b) for b in readme]
    assert all(b.skip is None for b in readme), "a README block opts out of running: " + \
        ", ".join(f"{b} ({b.skip})" for b in readme if b.skip)


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_python_block_runs_as_pasted(block: Block, tmp_path: pathlib.Path):
    if block.skip:
        pytest.skip(f"marked not run: {block.skip}")
    work = tmp_path / "cwd"
    work.mkdir()
    # Blank lines first, so a traceback's line numbers are the document's.
    script = tmp_path / f"{block.path.name}.py"
    script.write_text("\n" * (block.line - 1) + block.code, encoding="utf-8")
    runner = tmp_path / "run_block.py"
    runner.write_text(RUNNER, encoding="utf-8")
    env = dict(os.environ, SYMPHONY_CACHE=str(tmp_path / "cache"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    proc = subprocess.Popen([sys.executable, str(runner), str(script)], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=BLOCK_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{block} still running after {BLOCK_TIMEOUT} s:\n{out}")
    left_behind = _group_alive(proc.pid)
    if left_behind:
        os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, f"{block} failed:\n{out}"
    assert not left_behind, f"{block} left a child process running"


def _group_alive(pgid: int) -> bool:
    """Whether a process of the block's process group (its children) is still there."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- paths, modules and links -------------------------------------------------------------

TOP_LEVEL = sorted(p.name for p in ROOT.iterdir() if not p.name.startswith(".") or p.name == ".ci")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
PATH_TOKEN = re.compile(r"(?<![\w./-])((?:%s)/[\w./*-]*|(?:%s))(?![\w/-])" % (
    "|".join(re.escape(n) for n in TOP_LEVEL if (ROOT / n).is_dir()),
    "|".join(re.escape(n) for n in TOP_LEVEL if (ROOT / n).is_file())))
DOTTED = re.compile(r"^symphony(?:\.[A-Za-z_]\w*)+$")


def _prose_and_code(path: pathlib.Path) -> tuple[str, list[str]]:
    """The text of ``path`` outside fenced blocks, and the code of every fenced block."""
    text = path.read_text(encoding="utf-8")
    prose, blocks = [], []
    for lang, _, code, _ in fenced_blocks(path):
        blocks.append(code)
    inside = False
    for line in text.splitlines():
        if FENCE.match(line.removeprefix("> ")) or (inside and line.removeprefix("> ").strip() == "```"):
            inside = not inside
            continue
        if not inside:
            prose.append(line)
    return "\n".join(prose), blocks


def named_paths(path: pathlib.Path) -> set[str]:
    """Repository paths named in code spans and fenced blocks of ``path``."""
    prose, blocks = _prose_and_code(path)
    spans = CODE_SPAN.findall(prose) + blocks
    found = set()
    for span in spans:
        for token in PATH_TOKEN.findall(span):
            token = token.rstrip(".,:;)")
            if "*" in token or "<" in token:
                continue
            found.add(token)
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_repository_path_named_exists(doc: pathlib.Path):
    missing = sorted(p for p in named_paths(doc)
                     if not (ROOT / p).exists() and p.rstrip("/") not in NOT_IN_THE_REPOSITORY)
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


def test_the_path_check_sees_paths():
    names = named_paths(ROOT / "README.md")
    assert {"docs/benchmarks.json", "symphony/cli/editor/", "transports/"} <= names, names


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_symphony_name_imports(doc: pathlib.Path):
    prose, _ = _prose_and_code(doc)
    bad = []
    for span in set(CODE_SPAN.findall(prose)):
        name = span.strip()
        if DOTTED.match(name) and not _resolves(name) and name not in _entry_point_groups():
            bad.append(name)
    assert not bad, f"{doc.name} names modules or attributes that do not exist: {sorted(bad)}"


def _entry_point_groups() -> set[str]:
    """The entry point groups pyproject.toml registers in, and those the code reads that only
    other packages register in (named like modules, but not ones)."""
    from symphony.extensions import GROUPS
    from symphony.pool._manifest import LOADER_GROUP

    with open(ROOT / "pyproject.toml", "rb") as f:
        return set(tomllib.load(f)["project"].get("entry-points", {})) | {LOADER_GROUP, *GROUPS}


def _resolves(dotted: str) -> bool:
    """``symphony.a.b.C``: the longest prefix that imports, then attributes for the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def _anchors(path: pathlib.Path) -> set[str]:
    """GitHub's anchors for the headings of ``path``."""
    prose, _ = _prose_and_code(path)
    anchors = set()
    for line in prose.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*$", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_points_at_something(doc: pathlib.Path):
    prose, _ = _prose_and_code(doc)
    broken = []
    for target in LINK.findall(prose):
        if re.match(r"^[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        rel = dest.relative_to(ROOT).as_posix() if dest.is_relative_to(ROOT) else str(dest)
        if not dest.exists():
            if rel not in NOT_IN_THE_REPOSITORY:
                broken.append(target)
        elif anchor and anchor not in _anchors(dest):
            broken.append(target)
    assert not broken, f"{doc.name} has links to nothing: {broken}"


# -- the benchmark plot and table -----------------------------------------------------------

PLOT = ROOT / "docs" / "plot_benchmarks.py"
DATA = ROOT / "docs" / "benchmarks.json"


def _plot(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(PLOT), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_the_plot_is_drawn_from_the_json_and_readme_table_matches(tmp_path: pathlib.Path):
    pytest.importorskip("matplotlib", reason="matplotlib is in the [dev] extra")
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    out = _plot("--data", str(DATA), "--output", str(tmp_path / "plot.png"), "--readme", str(readme), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert readme.read_text(encoding="utf-8") == (ROOT / "README.md").read_text(encoding="utf-8"), \
        "README.md's benchmark table is not docs/benchmarks.json's: run python docs/plot_benchmarks.py"
    assert (ROOT / "docs" / "benchmarks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_table_follows_the_json(tmp_path: pathlib.Path):
    data = json.loads(DATA.read_text(encoding="utf-8"))
    data["benchmarks"][0]["ours"] = 123456.0
    changed = tmp_path / "benchmarks.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    check = _plot("--data", str(changed), "--readme", str(readme), "--check", cwd=tmp_path)
    assert check.returncode == 1 and "differs" in check.stderr
    assert _plot("--data", str(DATA), "--readme", str(ROOT / "README.md"), "--check", cwd=tmp_path).returncode == 0


def test_bad_figures_are_refused_by_name(tmp_path: pathlib.Path):
    data = json.loads(DATA.read_text(encoding="utf-8"))
    del data["benchmarks"][1]["peer_value"]
    bad = tmp_path / "benchmarks.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    out = _plot("--data", str(bad), "--output", str(tmp_path / "plot.png"), "--readme", "", cwd=tmp_path)
    assert out.returncode == 2
    assert "benchmarks[1]" in out.stderr and "peer_value" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "plot.png").exists()


def test_the_readme_workflow_spec_is_the_one_the_help_shows():
    """README's etl.toml and jobs.py are ``symphony dag run --help``'s example, which tests/cli runs."""
    from symphony.cli.dag import JOBS_EXAMPLE, SPEC_EXAMPLE

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```toml\n{SPEC_EXAMPLE}```" in readme
    assert f"```python\n{JOBS_EXAMPLE}```" in readme


def test_ci_runs_the_readme_test_command():
    """The Quick start's second command is what .ci/run runs (pip's -q aside)."""
    (quick_start,) = [code.splitlines() for lang, _, code, _ in fenced_blocks(ROOT / "README.md")
                      if lang == "sh" and code.startswith("python3 -m venv")]
    assert len(quick_start) == 2 and "symphony edit" in quick_start[0]
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.startswith("python3 -m venv")]
    assert [line.replace(" -q ", " ") for line in ci] == [quick_start[1]]
