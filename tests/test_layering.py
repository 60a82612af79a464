"""The package's layering runs one way: no module imports from its own layer or one above it.

Read from the source files (every import statement, function-level ones too, parsed with
``ast``), so an import that only runs on some path is caught as well.
"""

import ast
from pathlib import Path

import pytest

import pymoo_arnas

PACKAGE = Path(pymoo_arnas.__file__).parent

LAYERS = (
    ("pymoo_arnas", "parallel", "space"),  # the package root holds only __version__
    ("objectives", "cost"),
    ("data",),
    ("live",),  # an evaluation source beside the tables: it may use data's table and cache
    ("problems",),
    ("llm",),
    ("operators",),  # operators/llm.py drives an llm client
    ("algorithms", "analysis"),
    ("experiments",),
    ("cli",),
    ("__main__",),
)
"""Bottom first; each unit (top-level module or subpackage) may import only from the rows
below its own."""

RANK = {unit: i for i, row in enumerate(LAYERS) for unit in row}


def unit_of(module: str) -> str:
    """``"pymoo_arnas.data.table"`` -> ``"data"``; ``"pymoo_arnas"`` -> ``"pymoo_arnas"``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "pymoo_arnas"


def imported_units(source: str) -> list:
    """``(line, module, unit)`` of every package import in ``source``, at any depth: import
    statements and ``importlib.import_module("pymoo_arnas...")`` with a literal name."""
    out = []
    for node in ast.walk(ast.parse(source)):
        modules = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "pymoo_arnas":
                modules = [f"pymoo_arnas.{a.name}" for a in node.names]
            elif node.module.startswith("pymoo_arnas."):
                modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names if a.name.split(".")[0] == "pymoo_arnas"]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and str(node.args[0].value).startswith("pymoo_arnas")):
            modules = [node.args[0].value]
        out += [(node.lineno, m, unit_of(m)) for m in modules]
    return out


def module_files():
    return sorted(PACKAGE.rglob("*.py"))


def test_every_unit_has_a_layer():
    units = {p.stem if p.parent == PACKAGE else p.relative_to(PACKAGE).parts[0]
             for p in module_files()}
    units = {"pymoo_arnas" if u == "__init__" else u for u in units}
    assert units <= set(RANK), f"give these a row in LAYERS: {sorted(units - set(RANK))}"


@pytest.mark.parametrize("path", module_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_from_the_same_layer_or_above(path):
    rel = path.relative_to(PACKAGE)
    me = "pymoo_arnas" if rel == Path("__init__.py") else rel.with_suffix("").parts[0]
    wrong = [f"{rel}:{line} imports {module} (layer {RANK[unit]}, this is {RANK[me]})"
             for line, module, unit in imported_units(path.read_text(encoding="utf-8"))
             if unit != me and RANK[unit] >= RANK[me]]
    assert not wrong, "\n".join(wrong)


def test_imports_inside_functions_and_by_name_are_seen():
    source = ("import numpy\n"
              "from pymoo_arnas import space, __version__\n"
              "def f():\n"
              "    from pymoo_arnas.cli.options import csv_list\n"
              "    import importlib\n"
              "    return importlib.import_module('pymoo_arnas.experiments.runner')\n")
    assert [(m, u) for _, m, u in imported_units(source)] == [
        ("pymoo_arnas.space", "space"), ("pymoo_arnas.__version__", "pymoo_arnas"),
        ("pymoo_arnas.cli.options", "cli"), ("pymoo_arnas.experiments.runner", "experiments")]
