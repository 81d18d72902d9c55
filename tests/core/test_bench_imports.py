"""`make bench` is not part of `make test`: at least every name it imports from the app must still exist
(a refactor that moves a function would otherwise break the benchmarks silently)."""

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def app_imports():
    for script in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(), str(script))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("apps"):
                for alias in node.names:
                    yield pytest.param(
                        node.module, alias.name, id=f"{script.name}:{node.module}.{alias.name}"
                    )


@pytest.mark.parametrize(("module", "name"), list(app_imports()))
def test_every_name_a_benchmark_imports_from_the_app_exists(module, name):
    imported = importlib.import_module(module)
    assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}") is not None
