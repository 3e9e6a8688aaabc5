"""The one home of derivatives: every primitive's forward and VJPs, side by side.

An [`Op`][micrograd_nn.ops.Op] holds `fwd(*args) -> ans` and one vector-Jacobian product per
differentiable input, `vjp_i(g, ans, *args) -> gradient of input i`. `args` are
the inputs' data (a Python `float` or an `ndarray`) followed by any static
parameters (an axis, a shape, an index). A VJP may return a gradient in the
*broadcast* shape; [`unbroadcast`][micrograd_nn.ops.unbroadcast] sums it back to the input's
shape. The same VJPs serve second order: see `micrograd_nn.opdef` for the contract.

`OPS` is the one table, assembled from its sections, each a module listing its
entries under headings, forward and VJP side by side:

* `ops_core`: arithmetic, activations, the reductions, shapes and
  selections the engine needs, the fused `linear`/`mse`/`log_softmax`;
* `ops_math`: numpy's elementwise maths, reductions, `einsum`;
* `ops_array`: `concatenate` and `pad`.

Nothing here imports the engine.
"""

from __future__ import annotations

from .opdef import BROADCAST_TO, RESHAPE, SUM, Op, unbroadcast
from .ops_array import OPS_ARRAY
from .ops_core import (ABS, ADD, CAST, CORE, DIV, EXP, GETITEM, LINEAR, LOG, LOG_SOFTMAX,
                       MATMUL, MAX, MEAN, MSE, MUL, NEG, POW, RELU, SCATTER, SIGMOID,
                       SOFTPLUS, SQRT, SUB, TANH, TRANSPOSE, WHERE)
from .ops_math import OPS_MATH

__all__ = ["OPS", "Op", "unbroadcast", "ABS", "ADD", "BROADCAST_TO", "CAST", "DIV", "EXP",
           "GETITEM", "LINEAR", "LOG", "LOG_SOFTMAX", "MATMUL", "MAX", "MEAN", "MSE", "MUL",
           "NEG", "POW", "RELU", "RESHAPE", "SCATTER", "SIGMOID", "SOFTPLUS", "SQRT", "SUB",
           "SUM", "TANH", "TRANSPOSE", "WHERE"]

OPS: dict[str, Op] = {o.name: o for o in (*CORE, *OPS_MATH, *OPS_ARRAY)}
if len(OPS) != len(CORE) + len(OPS_MATH) + len(OPS_ARRAY):
    raise RuntimeError("ops: two table entries share a name")
