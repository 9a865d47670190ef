"""The core's layers import downwards only, without cycles or another module's private names.

Layers, lowest first (see ``thaldash/__init__.py``). A module may import from its own layer or a
lower one; ``cli`` and ``ui`` are the top and never import each other. Every import counts,
including those inside functions (an import deferred for start-up time is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "thaldash"
LAYERS: tuple[tuple[str, ...], ...] = (
    ("", "lazy", "text", "data"),
    ("stats",),
    ("published",),
    ("grading",),
    ("analyses",),
    ("reports",),
    ("charts",),
    ("export",),
    ("views",),
    ("cli", "ui"),
    ("__main__",),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """(imported module, imported names, line) of every thaldash import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = _module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, (), node.lineno) for a in node.names if a.name.split(".")[0] == "thaldash"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = here.split(".")[: -node.level + (1 if path.name == "__init__.py" else 0) or None]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            if base.split(".")[0] == "thaldash":
                found.append((base, tuple(a.name for a in node.names), node.lineno))
    return found


MODULES = {_module_name(p): p for p in CORE.rglob("*.py")}


def _resolve(module: str, names: tuple[str, ...]) -> list[str]:
    """Modules reached: ``from thaldash.charts import palette`` reaches thaldash.charts.palette."""
    submodules = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    return submodules if submodules and len(submodules) == len(names) else [module, *submodules]


def test_every_core_package_has_a_layer():
    packages = {_package(m) for m in MODULES}
    assert packages <= set(RANK), f"packages without a layer in this test: {sorted(packages - set(RANK))}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = RANK[_package(module)]
    wrong = []
    for target, names, line in _imports(MODULES[module]):
        for reached in _resolve(target, names):
            theirs = RANK[_package(reached)]
            same_top = _package(reached) == _package(module)
            if theirs > mine or (theirs == mine and not same_top and mine == RANK["cli"]):
                wrong.append(f"line {line}: {reached}")
    assert not wrong, f"{module} imports from a higher layer: {wrong}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_names_of_other_modules(module):
    private = [f"line {line}: {target}.{n}" for target, names, line in _imports(MODULES[module])
               for n in names if n.startswith("_") and n != "__version__"]
    assert not private, f"{module} imports another module's private names: {private}"


def test_no_import_cycles():
    graph = {m: {r for target, names, _ in _imports(p) for r in _resolve(target, names) if r in MODULES and r != m}
             for m, p in MODULES.items()}
    # A package's __init__ is reached by importing any of its modules; count only real edges.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, f"import cycles: {cycles[:5]}"
