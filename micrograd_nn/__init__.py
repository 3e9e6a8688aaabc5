"""micrograd_nn: a small autodiff framework for seeing and checking how neural networks learn.

The names users reach for first are here (`Value`, `no_grad`, `grad`,
`custom_op`); the subpackages (`micrograd_nn.nn`, `.losses`, `.optim`,
`.train`, `.viz`, ...) import on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .autodiff import grad
from .engine import Value, grad_enabled, no_grad
from .function import custom_op

__version__ = "0.1.0"

__all__ = ["Value", "custom_op", "grad", "grad_enabled", "no_grad", "__version__"]

_SUBMODULES = {"nn", "init", "neurons", "losses", "optim", "data", "serialize", "train",
               "history", "diagnose", "deltas", "gradcheck", "explain", "viz", "viz_network",
               "plots", "cli", "demo", "ops", "engine", "autodiff", "function", "protocol",
               "sweep", "genetic", "report", "notation"}


def __getattr__(name: str) -> Any:
    """`micrograd_nn.nn` and friends without importing them all up front."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'micrograd_nn' has no attribute {name!r}")
