"""W2 deep chain: y = y * 1.0001 + 0.0001 repeated N times from a leaf, then backward.

Two graph nodes per iteration, 0-d / scalar data: this measures per-node overhead
and whether backward survives a deep graph (micrograd's recursive topological sort
does not). Timed from building the chain to freeing it, so teardown counts too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common import Bench, Target, grad_of, scalar_leaf

N = 100_000  # iterations; --quick: N // 10
A, B = 1.0001, 0.0001


def chain(x: Any, n: int) -> Any:
    """The chain on any scalar node class."""
    y = x
    for _ in range(n):
        y = y * A + B
    return y


def _maker(framework: str) -> Callable[[dict, bool], Any]:
    def make(data: dict, quick: bool) -> Callable[[], list[float]] | None:
        leaf = scalar_leaf(framework)
        if leaf is None:
            return None
        n = N // 10 if quick else N

        def run() -> list[float]:
            x = leaf(1.0)
            chain(x, n).backward()
            g = grad_of(x)
            if abs(g - A ** n) > 1e-9 * A ** n:
                raise AssertionError(f"W2 {framework}: d y / d x = {g!r}, exact {A ** n!r}")
            return [g]

        return run

    return make


BENCHES = [Bench(
    "W2", "W2 deep chain: 100,000 iterations (2 nodes each; --quick 10,000), "
    "build + backward + free",
    unit="chain", baseline="PyTorch (0-d float64)",
    makers={"micrograd_nn": _maker("micrograd_nn"), "PyTorch (0-d float64)": _maker("torch"),
            "DeZero": _maker("dezero"), "micrograd": _maker("micrograd")},
    targets={"micrograd_nn": Target(0.2)}, rtol=1e-9, number=1, repeat=1)]
