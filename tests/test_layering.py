"""The architecture shows itself: each module imports only its own layer or those below.

The layers are README's layout table, bottom first. A module-level or function-level
``from .x import`` of a higher layer fails here, so the layering cannot erode.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "micrograd_nn"
LAYERS = [
    {"__init__", "notation", "deltas", "opdef", "ops", "ops_core", "ops_math", "ops_array",
     "_data"},
    {"engine", "autodiff", "numpy_api", "numpy_math", "numpy_array", "numpy_select", "function"},
    {"nn", "init", "neurons", "protocol"},
    {"losses", "optim"},
    {"data", "serialize", "_safeio"},
    {"train", "history", "diagnose", "genetic"},
    {"sweep", "_sweep_run", "_sweep_result", "_sweep_cli"},
    {"gradcheck", "explain"},
    {"viz", "viz_network", "plots", "drawing", "layout", "report", "_report_page"},
    {"cli", "demo"},
]
LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _imports(path: Path) -> set[str]:
    """The package modules a file imports (relative imports, anywhere in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:  # from . import x, y
                found.update(alias.name for alias in node.names)
    return {m for m in found if m in LEVEL or (PACKAGE / f"{m}.py").exists()}


def test_every_module_has_a_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules - set(LEVEL) == set(), "add new modules to LAYERS (and README's table)"


@pytest.mark.parametrize("name", sorted(LEVEL))
def test_module_imports_only_its_layer_or_below(name):
    path = PACKAGE / f"{name}.py"
    if not path.exists():
        pytest.skip(f"{name}.py is gone")
    above = {m for m in _imports(path) if LEVEL.get(m, -1) > LEVEL[name]}
    if name == "__init__":  # the package re-exports the engine's layer only
        above -= LAYERS[1]
    assert not above, f"{name}.py imports higher layers: {sorted(above)}"


def test_the_check_sees_relative_imports_anywhere(tmp_path):
    src = tmp_path / "probe.py"
    src.write_text("from .engine import Value\n\ndef f():\n    from . import viz, nn\n")
    assert _imports(src) == {"engine", "viz", "nn"}
