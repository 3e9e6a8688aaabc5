"""The package type-checks: ``python -m mypy micrograd_nn`` with the ``[tool.mypy]``
settings of pyproject.toml passes (no errors, no unused ``# type: ignore``)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install micrograd_nn[test])")
def test_mypy_passes_on_the_package() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "micrograd_nn"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
