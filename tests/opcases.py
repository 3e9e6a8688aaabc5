"""The case type and input makers shared by the op-table tests.

A :class:`Case` runs an expression on micrograd Values (``mg``), on HIPS autograd's
numpy (``ref``: also the forward oracle) and on PyTorch (``th``). Case lists live in
``cases_core.py``, ``cases_math.py`` and ``cases_array.py``; test_ops_table.py and
test_ops_order2.py run every check over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import numpy as np


# ops that need at least one dimension: a scalar Value is rejected, as SCALAR_USE shows
# (cases modules add their own to both)
NO_SCALAR = {"matmul", "transpose", "getitem", "log_softmax", "linear"}

_R = np.random.default_rng(20240601)


def N(*shape: int) -> Any:
    """Standard normal; a Python float for no shape."""
    x = _R.normal(size=shape)
    return float(x) if not shape else x


def P(*shape: int) -> Any:
    """Positive, in [0.5, 2): for log, sqrt and pow bases."""
    x = _R.uniform(0.5, 2.0, size=shape)
    return float(x) if not shape else x


def K(*shape: int) -> Any:
    """Away from 0 (|x| >= 0.2): for relu, abs and divisors."""
    x = _R.uniform(0.2, 2.0, size=shape) * _R.choice([-1.0, 1.0], size=shape)
    return float(x) if not shape else x


def D(*shape: int) -> np.ndarray:
    """All entries distinct, at least 0.2 apart: for max without ties."""
    n = int(np.prod(shape))
    return (_R.permutation(n) * 0.25 + _R.uniform(0, 0.05, size=n) - n / 8).reshape(shape)


@dataclass(frozen=True)
class Case:
    op: str  # key of OPS that the case exercises
    tag: str
    inputs: tuple  # one Value each: floats (scalar path) or float64 arrays
    mg: Callable[..., Any]  # (*Values) -> Value
    ref: Callable[..., Any]  # (*arrays) -> array, with autograd.numpy
    th: Callable[..., Any]  # (torch, *tensors) -> tensor

    @property
    def id(self) -> str:
        return f"{self.op}-{self.tag}"

    @property
    def scalar(self) -> bool:
        return all(type(x) is float for x in self.inputs)


CASES: list[Case] = []


def case(op: str, tag: str, inputs: tuple, mg: Callable, ref: Callable, th: Callable) -> None:
    CASES.append(Case(op, tag, tuple(inputs), mg, ref, th))


def same(f: Callable) -> tuple[Callable, Callable, Callable]:
    """One expression written with operators serves all three frameworks."""
    return f, f, lambda T, *xs: f(*xs)




# how each NO_SCALAR op is reached from two scalar Values (the test expects a clear error)
SCALAR_USE: dict[str, Callable[[Any, Any], Any]] = {
    "matmul": lambda a, b: a @ b,
    "transpose": lambda a, b: a.transpose(),
    "getitem": lambda a, b: a[0],
    "log_softmax": lambda a, b: a.log_softmax(),
    "linear": lambda a, b: _apply("linear", a, b, None),
}


def _apply(*args: Any, **kw: Any) -> Any:
    from micrograd_nn.engine import apply
    return apply(*args, **kw)
