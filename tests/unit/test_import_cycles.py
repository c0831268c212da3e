"""No import cycles between bmad's modules (issue 19).

An AST-built import graph of every module in bot/, conversations/, agents/ and integrations/.
It counts every import, at module level or inside a function (an import moved into a function
to dodge a cycle is still a cycle by design), and `importlib.import_module("...")` /
`__import__("...")` with a string literal. Imports under `if TYPE_CHECKING:` are left out: they
never run. Any strongly connected component of more than one module (or a module importing
itself) fails the test; so does one between packages (`test_no_package_cycles`), bar the
documented `KNOWN_PACKAGE_CYCLES`.

Cycles are broken by design instead: shared pieces move to a lower module both import, Celery
tasks reach each other by name (`celery_app.send_task` / `signature`), registries are filled where
the app is assembled.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "conversations", "agents", "integrations")

# Known cycles still to break, each the module set of one strongly connected component; a new
# cycle (or a known one that grew) fails. Empty: every cycle is broken (issue 19).
KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()

# Between packages (a layer's subpackage such as `integrations.billing`, or a module at a
# layer's top such as `agents.roster`): the same check on the graph collapsed to them. Empty:
# the last one (agents.gate / agents.schedule <-> agents.workflows) went when the run-start
# gate and the job scheduler moved into agents/workflows, the package they serve.
KNOWN_PACKAGE_CYCLES: frozenset[frozenset[str]] = frozenset()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def string_import(node: ast.Call) -> str | None:
    """`importlib.import_module("x.y")`, `import_module("x.y")` or `__import__("x.y")`."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in {"import_module", "__import__"} or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def raw_imports(path: Path, module: str) -> set[tuple[str, ...]]:
    """What `module` imports: per import, the absolute names it may mean, most specific first
    (`from a import b` is module `a.b` if there is one, else attribute `b` of module `a`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[tuple[str, ...]] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update((alias.name,) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join([*base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            found.update((f"{prefix}.{alias.name}", prefix) for alias in node.names)
        elif isinstance(node, ast.Call) and (target := string_import(node)):
            found.add((target,))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """module -> the bmad modules it imports (the most specific known module of each name)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {
            next((name for name in names if name in modules), None)
            for names in raw_imports(path, module)
        }
        targets -= {None, module}
        graph[module] = targets
    return graph


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def package_graph(graph: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        here = package_of(module)
        packages.setdefault(here, set()).update(
            package_of(target) for target in targets if package_of(target) != here
        )
    return packages


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(sorted(component))
    return sorted(found)


def test_checker_finds_a_cycle_added_on_purpose() -> None:
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"e"},
        "f": {"g"},
        "g": {"f"},
    }
    assert cycles(graph) == [["a", "b", "c"], ["e"], ["f", "g"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_graph_counts_function_level_and_importlib_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text(
        "import importlib\n"
        "def late():\n"
        "    from pkg import high\n"
        "    return importlib.import_module('pkg.other')\n"
    )
    (package / "high.py").write_text("from . import low\n")
    (package / "other.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import high\n"
    )
    paths = {
        "pkg": package / "__init__.py",
        "pkg.low": package / "low.py",
        "pkg.high": package / "high.py",
        "pkg.other": package / "other.py",
    }
    graph = import_graph(paths)
    assert graph["pkg.low"] == {"pkg.high", "pkg.other"}
    assert graph["pkg.high"] == {"pkg.low"}
    assert graph["pkg.other"] == set()
    assert cycles(graph) == [["pkg.high", "pkg.low"]]


def test_no_import_cycles() -> None:
    found = {frozenset(component) for component in cycles(import_graph(all_modules()))}
    new = sorted(sorted(component) for component in found - KNOWN_CYCLES)
    assert not new, "import cycles (break them by design, see the module docstring):\n" + "\n".join(
        " <-> ".join(component) for component in new
    )
    gone = sorted(sorted(component) for component in KNOWN_CYCLES - found)
    assert not gone, f"known cycles no longer found, shrink KNOWN_CYCLES: {gone}"


def test_package_graph_collapses_modules() -> None:
    graph = {"a.x.one": {"a.y.two"}, "a.y.two": {"a.x.three"}, "a.x.three": set()}
    assert cycles(graph) == []
    assert cycles(package_graph(graph)) == [["a.x", "a.y"]]


def test_no_package_cycles() -> None:
    graph = package_graph(import_graph(all_modules()))
    found = {frozenset(component) for component in cycles(graph)}
    new = sorted(sorted(component) for component in found - KNOWN_PACKAGE_CYCLES)
    assert not new, "package cycles (see the module docstring):\n" + "\n".join(
        " <-> ".join(component) for component in new
    )
    gone = sorted(sorted(component) for component in KNOWN_PACKAGE_CYCLES - found)
    assert not gone, f"known package cycles no longer found, shrink the list: {gone}"
