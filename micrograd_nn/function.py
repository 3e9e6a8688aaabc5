"""Custom ops: a new primitive with its forward and VJP in one place.

The habit users bring from PyTorch's `autograd.Function` and JAX's `custom_vjp`:

```python
import numpy as np
from micrograd_nn import Value, custom_op

@custom_op
def softplus(x):                  # forward: raw data in (float or ndarray), out
    return np.logaddexp(0.0, x)

@softplus.defvjp
def softplus_vjp(g, ans, x):      # g * d softplus / dx
    return g / (1.0 + np.exp(-x))

y = softplus(Value([0.5, -2.0])).sum()
y.backward()
```

A custom op is an `Op` like those of the table: it works on
scalar and tensor Values, shows under its name in graph drawings, is checked by
[`micrograd_nn.gradcheck.gradcheck`][], and a VJP written with numpy's functions and
operators also serves `backward(create_graph=True)` (it then receives Values).
Inputs beyond the ones with a VJP are static parameters passed to both functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from .engine import Value, apply
from .opdef import Op

__all__ = ["CustomOp", "custom_op"]


class CustomOp:
    """A user-defined primitive: `forward(*data, *params) -> data` and one
    `vjp_i(g, ans, *data, *params) -> gradient of input i` per differentiable input.

    `g` has the output's shape; a VJP may return its gradient in a broadcast shape
    (it is summed back to the input's shape) or as a number.
    """

    def __init__(self, forward: Callable[..., Any], vjps: tuple[Callable[..., Any], ...] = (),
                 name: str | None = None) -> None:
        if not callable(forward):
            raise TypeError(f"custom_op: forward must be callable, not {type(forward).__name__}")
        self.forward = forward
        self.name = name or cast(str, getattr(forward, "__name__", "custom"))
        self.__doc__ = getattr(forward, "__doc__", None)
        self._op: Op | None = None
        if vjps:
            self.defvjp(*vjps)

    @property
    def op(self) -> Op:
        """The table-style `Op` (after [`defvjp`][micrograd_nn.function.CustomOp.defvjp])."""
        if self._op is None:
            raise TypeError(f"custom op {self.name!r} has no VJP yet; define one with "
                            f"@{self.name}.defvjp")
        return self._op

    def defvjp(self, *vjps: Callable[..., Any]) -> Callable[..., Any]:
        """Set the VJPs, one per differentiable input, in input order. Usable as a
        decorator for a one-input op; returns the first VJP."""
        if not vjps or not all(callable(v) for v in vjps):
            raise TypeError(f"custom op {self.name!r}: defvjp needs one callable VJP per "
                            "differentiable input")
        self._op = Op(self.name, self._checked_forward, tuple(vjps), "custom", len(vjps))
        return vjps[0]

    def _checked_forward(self, *args: Any) -> Any:
        ans = self.forward(*args)
        if not isinstance(ans, (float, int)) and not hasattr(ans, "dtype"):
            raise TypeError(f"custom op {self.name!r}: forward returned "
                            f"{type(ans).__name__}; return a number or an ndarray")
        return ans

    def __call__(self, *inputs: Any) -> Value:
        """Apply to Values or constants; inputs past the VJPs' count are parameters."""
        op = self.op
        if len(inputs) < op.nin:
            raise TypeError(f"custom op {self.name!r}: takes {op.nin} input(s) with a "
                            f"gradient, got {len(inputs)}")
        return apply(op, *inputs[:op.nin], params=tuple(inputs[op.nin:]))

    def __repr__(self) -> str:
        nin = "no VJP yet" if self._op is None else f"{self._op.nin} input(s)"
        return f"CustomOp({self.name!r}, {nin})"


def custom_op(forward: Callable[..., Any] | None = None, *,
              vjp: Callable[..., Any] | tuple[Callable[..., Any], ...] | None = None,
              name: str | None = None) -> Any:
    """Make a [`CustomOp`][micrograd_nn.function.CustomOp]: as a decorator on the forward (then
    `@f.defvjp`), or in one call, `custom_op(forward, vjp=(vjp_x, vjp_y), name="f")`."""
    vjps = () if vjp is None else (vjp if isinstance(vjp, tuple) else (vjp,))
    if forward is None:
        return lambda f: CustomOp(f, vjps, name)
    return CustomOp(forward, vjps, name)
