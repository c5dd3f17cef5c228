"""No two modules of the package import each other, directly or round a loop: every arrow of the
import graph points one way, so a module can be read (and changed) knowing only what it imports.

The graph is built from the source with `ast`: every import of every module, those inside
functions too (an import moved into a function hides a cycle from Python, not from a reader).
`from .pkg import name` is an arrow to the module pkg/name.py when there is one, else to the
package's __init__.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ip_pipeline

PACKAGE = Path(ip_pipeline.__file__).resolve().parent
ROOT = PACKAGE.name

# Cycles that are known, as the set of their files. Each must still be a cycle (when it is gone,
# delete its entry); no other may appear.
KNOWN_CYCLES: list[frozenset[str]] = []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _targets(node: ast.AST, name: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    """The package's modules that one import statement of module `name` reaches."""

    def resolve(module: str, alias: str | None) -> str | None:
        if alias and f"{module}.{alias}" in modules:
            return f"{module}.{alias}"
        return module if module in modules else None

    if isinstance(node, ast.Import):
        found = [a.name if a.name in modules else resolve(a.name, None) for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        found = [resolve(module, a.name) for a in node.names]
    else:
        return []
    return [t for t in found if t is not None and t.split(".")[0] == ROOT and t != name]


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            graph[name].update(_targets(node, name, path.name == "__init__.py", modules))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _files(component: list[str], modules: dict[str, Path]) -> frozenset[str]:
    return frozenset(modules[m].relative_to(PACKAGE).as_posix() for m in component)


def _described(component: list[str], graph: dict[str, set[str]], modules: dict[str, Path]) -> str:
    inside = set(component)
    arrows = [
        f"    {modules[a].relative_to(PACKAGE)} -> {modules[b].relative_to(PACKAGE)}"
        for a in component
        for b in sorted(graph[a] & inside)
    ]
    return ", ".join(sorted(_files(component, modules))) + "\n" + "\n".join(arrows)


def test_the_graph_is_read():
    graph = import_graph()
    assert len(graph) > 100
    assert f"{ROOT}.indicators.calc_frame" in graph[f"{ROOT}.indicators.marts"]
    # an import inside a function is an arrow too
    assert f"{ROOT}.defs.rebuild" in graph[f"{ROOT}.cli.recovery"]


def test_no_import_cycle_between_modules():
    graph, modules = import_graph(), _modules()
    new = [c for c in cycles(graph) if _files(c, modules) not in KNOWN_CYCLES]
    assert not new, (
        "modules that import each other (move what both need into a module both import):\n"
        + "\n".join(_described(c, graph, modules) for c in new)
    )


def test_known_cycles_are_still_there():
    found = {_files(c, modules) for modules in [_modules()] for c in cycles(import_graph())}
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"no longer a cycle, delete from KNOWN_CYCLES: {gone}"


def test_nothing_below_the_command_line_imports_it():
    """cli/ is the top floor: defs/, ops/ and the domain packages print through labels.py, never
    through the CLI's modules."""
    graph = import_graph()
    up = sorted(
        f"{a} -> {b}"
        for a, targets in graph.items()
        for b in targets
        if b.startswith(f"{ROOT}.cli") and not a.startswith(f"{ROOT}.cli")
    )
    assert not up, "\n".join(up)


def test_a_cycle_is_found():
    """The search itself: a loop of three and a pair are found, a chain is not."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}, "g": set()}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["d", "e"]]
