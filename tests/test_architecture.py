"""The house rules: which package may import which, no import cycles, and CI runs the README's test command."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = {"ektp_station", "drivers", "simulators", "biometrics", "queue_display"}
ALLOWED = {
    "ektp_station": {"ektp_station", "drivers", "biometrics"},
    "drivers": {"drivers"},
    "simulators": {"simulators", "drivers", "biometrics"},
    "biometrics": {"biometrics"},
    "queue_display": {"queue_display", "drivers", "ektp_station"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, module: str, *, top_level_only: bool = False) -> set[str]:
    """Absolute names a module imports; relative imports resolved. ``top_level_only``: module-level statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            if base:
                names.add(base)
                names.update(f"{base}.{a.name}" for a in node.names)
    return names


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_packages_import_only_what_the_architecture_allows():
    problems = []
    for module, path in _modules().items():
        top = module.split(".")[0]
        for name in _imports(path, module):
            target = name.split(".")[0]
            if target in OURS and target not in ALLOWED[top]:
                problems.append(f"{module} imports {name}")
    assert problems == []


def test_no_import_cycles_among_modules():
    """Module-level imports only: an import inside a function is a deliberate late binding."""
    modules = _modules()
    graph = {}
    for module, path in modules.items():
        deps = {_resolve(n, modules) for n in _imports(path, module, top_level_only=True)}
        graph[module] = {d for d in deps if d and d != module and not module.startswith(d + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(" -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick, re.S)
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci.splitlines()
