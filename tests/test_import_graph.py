"""The import graph of analytics/: no circle, and no import of a project module inside a function (the way a
circle used to be hidden). Read from the source with ast, so an import anywhere in a module counts: at the top,
inside a function, under `if TYPE_CHECKING`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analytics"


def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of analytics/ (a package by its __init__.py)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict) -> list[tuple[str, int, bool]]:
    """(module imported, line, inside a function) for each import of a project module in this file.
    `from a.b import c` counts as an import of a.b.c when that is a module, else of a.b."""

    def resolve(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    inside = {
        id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(f)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package this module is in, `level - 1` packages up
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            module = resolve(target)
            if module is not None and module != name:
                found.append((module, node.lineno, id(node) in inside))
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m, _, _ in imported(name, path, known)} for name, path in known.items()}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle in the graph (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_circle():
    found = cycle(graph())
    assert found is None, "import circle: " + " -> ".join(found or [])


def test_no_project_module_is_imported_inside_a_function():
    known = modules()
    inside = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for name, path in known.items()
        for module, line, in_function in imported(name, path, known)
        if in_function and not optional(path, line)
    ]
    assert inside == []


def optional(path: Path, line: int) -> bool:
    """An import kept inside a function because the module needs an optional dependency (sqlglot or pyspark
    for the Spark path): it says so on its line."""
    return "# optional dependency:" in path.read_text().splitlines()[line - 1]


def test_analytics_does_not_import_the_pages_or_the_app():
    for name, path in modules().items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n == "app" or n.startswith("app_pages") for n in names), f"{name} imports {names}"


def test_the_check_finds_a_circle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
