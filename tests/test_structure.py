"""The layout keeps its promises: no import circle, and each decision written in one place.

Read from the source with `ast`, so a circle is caught even where import order happens to
hide it, and a second copy of a decision is caught before the two copies disagree.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR

PACKAGES = ("connectivity", "thredd_onboard")
# Imports allowed inside a function, each for a reason other than dodging a circle: the
# Celery tasks load their service when they run (the services queue the tasks), Django's
# `ready` wires signals once the app registry is loaded, and the embedded database imports
# its optional wheel only when it is the default.
FUNCTION_LEVEL_IMPORTS = {
    "connectivity.tasks",
    "connectivity.apps",
    "thredd_onboard.embedded",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = (path, ast.parse(path.read_text()))
    return modules


SOURCES = _sources()


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """Return the project modules `node` imports, as absolute dotted names."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.split(".")
            if SOURCES[module][0].name != "__init__.py":
                parts = parts[:-1]  # relative to the module's package
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
    found = []
    for target in targets:
        while target and target not in SOURCES:
            target = target.rpartition(".")[0]
        if target and target != module:
            found.append(target)
    return sorted(set(found))


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _module_level_imports(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try) and not (
            isinstance(node, ast.If) and _is_type_checking(node)
        ):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


def _graph() -> dict[str, set[str]]:
    return {
        module: {
            target
            for node in _module_level_imports(tree)
            for target in _resolve(module, node)
            # A package's own __init__ importing its submodules is how a package exports.
            if not target.startswith(f"{module}.")
        }
        for module, (_, tree) in SOURCES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_circle_among_the_project_modules():
    assert _cycles(_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_function_level_import_outside_the_documented_places():
    inside_functions = sorted(
        f"{module}:{node.lineno}"
        for module, (_, tree) in SOURCES.items()
        if module not in FUNCTION_LEVEL_IMPORTS
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    )
    assert inside_functions == []


@pytest.mark.parametrize(
    "first",
    [
        "connectivity.services.artifacts",
        "connectivity.services.allocation",
        "connectivity.selectors.findings",
        "connectivity.configgen.context",
        "connectivity.rules",
        "connectivity.tasks",
    ],
)
def test_each_layer_imports_first_in_a_fresh_interpreter(first):
    """These orders used to fail or only worked thanks to imports hidden in functions."""
    code = f"import django; django.setup(); import {first}"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def _definitions(name: str) -> list[str]:
    """Return the modules that define a function, class or module-level name `name`."""
    found = []
    for module, (_, tree) in SOURCES.items():
        for node in ast.walk(tree):
            defined = (
                isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
                and node.name == name
            ) or (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            )
            if defined:
                found.append(module)
    return sorted(found)


@pytest.mark.parametrize(
    ("name", "home"),
    [
        # Who is a Thredd engineer.
        ("is_engineer", "connectivity.models.organisations"),
        ("REVIEW_PERMISSION", "connectivity.models.organisations"),
        # Tunnel values: the one planner and its pool of inside /30s.
        ("plan_tunnel_values", "connectivity.configgen.values"),
        ("InsideCidrPool", "connectivity.configgen.values"),
        # Render contexts of a request.
        ("request_contexts", "connectivity.configgen.render"),
        # Whether a target fits a VPN, and which other devices do.
        ("misfit", "connectivity.configgen.targets"),
        ("other_device_targets", "connectivity.configgen.targets"),
        # Status groups.
        ("EDITABLE_STATUSES", "connectivity.choices"),
        ("OPEN_STATUSES", "connectivity.choices"),
        ("FINAL_STATUSES", "connectivity.choices"),
        ("WAITING_STATUSES", "connectivity.choices"),
        ("DOWNLOADABLE_STATUSES", "connectivity.choices"),
        # Copy to production.
        ("can_copy_to_production", "connectivity.models.requests"),
        # The state machine's moves.
        ("TRANSITIONS", "connectivity.services.workflow"),
        # Labels and the stored-row helper.
        ("choice_label", "connectivity.choices"),
        ("services_label", "connectivity.choices"),
        ("_stored", "connectivity.services.drafts"),
        ("_label", None),
        # Where a finding is, in words, and a device's name.
        ("finding_place", "connectivity.places"),
        ("place_name", "connectivity.places"),
        ("parent_path", "connectivity.places"),
        ("device_name", "connectivity.catalogue"),
    ],
)
def test_each_decision_is_made_in_exactly_one_place(name, home):
    assert _definitions(name) == ([home] if home else [])


def test_only_the_user_model_asks_for_the_review_permission():
    askers = sorted(
        module
        for module, (path, _) in SOURCES.items()
        if ".has_perm(" in path.read_text() or "REVIEW_PERMISSION" in path.read_text()
    )
    assert askers == ["connectivity.models.organisations"]
