"""numpy handlers: elementwise maths, reductions and products (filled in as ops land)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UFUNCS: dict[Any, Callable[..., Any]] = {}
FUNCTIONS: dict[Any, Callable[..., Any]] = {}
