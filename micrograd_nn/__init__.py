"""micrograd_nn: a small autodiff framework for seeing and checking how neural networks learn."""

from __future__ import annotations

from .engine import Value, no_grad

__version__ = "0.1.0"

__all__ = ["Value", "no_grad", "__version__"]
