"""The package layout holds: the import-linter contracts in pyproject.toml, and no import circle
inside any package (type-only imports and imports inside functions count too)."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import networkx as nx
import pytest

grimp = pytest.importorskip("grimp", reason="import-linter (and grimp) are in the [dev] extra")

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Layers below the transports, which must not know them (by their installed name either).
BELOW_TRANSPORTS = ("actors", "envelope", "_speedups", "errors", "_twins.py", "_lazy.py")


def test_import_linter_contracts_are_kept():
    out = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "broken" in out.stdout and " 0 broken" in out.stdout, out.stdout


def _import_graph():
    sys.path.insert(0, str(ROOT))  # the source folder transports/ is checked under its folder name
    try:
        return grimp.build_graph("symphony", "transports", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))


def _cycles_inside(graph, package: str) -> list[list[str]]:
    """Import circles among the direct children of ``package`` (each child with all it contains)."""
    children = sorted(graph.find_children(package))
    members = {child: {child} | graph.find_descendants(child) for child in children}
    owner = {module: child for child, modules in members.items() for module in modules}
    edges = nx.DiGraph()
    edges.add_nodes_from(children)
    for child, modules in members.items():
        for module in modules:
            for imported in graph.find_modules_directly_imported_by(module):
                target = owner.get(imported)
                if target is not None and target != child:
                    edges.add_edge(child, target)
    return [sorted(c) for c in nx.simple_cycles(edges)]


def test_no_import_circle_inside_any_package():
    graph = _import_graph()
    packages = [m for m in sorted(graph.modules) if graph.find_children(m)]
    circles = {package: found for package in packages if (found := _cycles_inside(graph, package))}
    assert not circles, circles


def test_the_layers_below_the_transports_do_not_import_them():
    """import-linter sees the source folder ``transports``; this catches the installed name too."""
    offenders = []
    for entry in BELOW_TRANSPORTS:
        path = ROOT / "symphony" / entry
        assert path.exists(), path  # a renamed leaf must not drop out of the check
        for source in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            for node in ast.walk(ast.parse(source.read_text(), str(source))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(n == "symphony.transports" or n.startswith("symphony.transports.") for n in names):
                    offenders.append(f"{source.relative_to(ROOT)}:{node.lineno}")
    assert not offenders


def test_the_package_root_keeps_only_its_entry_points_and_the_leaves():
    allowed = {"__init__.py", "__main__.py", "_version.py", "_twins.py", "_lazy.py", "py.typed"}
    loose = sorted(p.name for p in (ROOT / "symphony").iterdir() if p.is_file() and p.name not in allowed
                   and not p.name.endswith((".so", ".c", ".pyc")))
    assert not loose
