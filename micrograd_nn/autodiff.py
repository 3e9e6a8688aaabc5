"""Reverse mode, in two named steps: order the graph, then propagate.

1. [`count_children`][micrograd_nn.autodiff.count_children] walks back from the roots (no recursion)
   and counts, for every node that needs a gradient, how many times it is an input in this graph.
2. [`propagate`][micrograd_nn.autodiff.propagate] is Kahn's algorithm on those counts: a node's VJPs
   run once all its children have added their share to its gradient, so each VJP runs exactly once
   and every node is finished before its inputs.

[`backward`][micrograd_nn.autodiff.backward] (what `Value.backward` calls) seeds the roots and runs
both; [`grad`][micrograd_nn.autodiff.grad] does the same but returns the gradients instead of adding
them into `.grad` (as `torch.autograd.grad`). With `create_graph=True` the VJPs run on
Values instead of raw data (see `micrograd_nn.opdef`), so the gradients they
return carry a graph of their own: that is how second derivatives come about.

The counts live on the nodes (`_pending`) rather than in a dict: one attribute
write instead of a hash per edge, which the scalar benchmark (W1) measures. Any
exception (a failing VJP, Ctrl-C) clears them, so the graph stays usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ._data import fit
from .engine import Value, _io, as_value, enable_grad
from .opdef import BROADCAST_TO, SUM, Op, call, shape_of, unbroadcast
from .ops import ADD as _ADD
from .ops import CAST
from .ops import MUL as _MUL

ndarray = np.ndarray

__all__ = ["backward", "count_children", "grad", "propagate"]


def count_children(roots: Sequence[Value]) -> list[Value]:
    """Step 1: set each reachable node's `_pending` to its number of children in the
    graph below `roots` and clear intermediate gradients; return the leaves reached.

    Only Values with `requires_grad` are visited (constants take no gradient). A node
    is new when its count is still 0, so no visited-set is needed; a root that is also
    below another root is marked up front so that it is walked once.
    """
    leaves: list[Value] = []
    stack = [r for r in {id(r): r for r in roots}.values() if r._op is not None]
    for r in stack:
        r._pending = -1  # "already on the stack"; undone below
    pop, push, leaf = stack.pop, stack.append, leaves.append
    while stack:
        n = pop()
        # n._op is set: only nodes are pushed (no check here, the hot loop)
        p, i, last = n._a, 0, n._op.nin - 1  # type: ignore[union-attr]
        while True:  # over the node's inputs, without a tuple per node (allocations wake
            # the garbage collector, which then scans the whole live graph: W1)
            if (type(p) is Value or isinstance(p, Value)) and p.requires_grad:
                c = p._pending
                if c == 0:
                    if p._op is None:
                        leaf(p)
                    else:
                        p._grad = None
                        push(p)
                p._pending = c + 1
            if i == last:
                break
            i += 1
            p = n._b if i == 1 else n._ctx[i - 2]
    for r in roots:
        if r._op is not None and r._pending < 0:
            r._pending += 1
    return leaves


def reset(roots: Sequence[Value]) -> None:
    """Clear the child counts below `roots` (after an interrupted pass)."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        n._pending = 0
        if n._op is not None:
            for p in _io(n)[0]:
                if isinstance(p, Value) and id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)


# ---------------------------------------------------------------- first order


def _accumulate(p: Value, gi: Any, g: Any) -> bool:
    """Add one child's share `gi` (made from the child's gradient `g`) into
    `p._grad`; True once `p` has all shares and has VJPs of its own to run."""
    pd = p.data
    if type(pd) is float:
        if type(gi) is not float:
            gi = float(np.sum(gi))
    elif type(gi) is not ndarray or gi.shape != pd.shape or gi.dtype != pd.dtype:
        gi = fit(gi, pd)
    pg = p._grad
    if pg is not None:
        p._grad = pg + gi
    elif p._op is None and type(gi) is ndarray and (
            gi is g or gi.base is not None or not gi.flags.writeable):
        p._grad = gi.copy()  # a leaf owns its gradient array: never a view or a shared one
    else:
        p._grad = gi
    p._pending -= 1
    return p._pending == 0 and p._op is not None


def _propagate_data(stack: list[Value]) -> None:
    """Step 2 on raw data: the first-order hot loop.

    Unary and binary nodes without static arguments (most nodes) are unpacked inline,
    and a float gradient for a float input is added in place of a call to
    `_accumulate`: the scalar path's backward is mostly these few lines (W1).
    """
    pop, push = stack.pop, stack.append
    op: Op  # n._op is set: only nodes are pushed (no check here, the hot loop)
    while stack:
        n = pop()
        op, g, ans, a = n._op, n._grad, n.data, n._a  # type: ignore[assignment]
        ctx = n._ctx
        if ctx or op.nin > 2:
            if op.nin == 1:  # a unary op with static arguments (sum, reshape, ...)
                if a.requires_grad and _accumulate(a, op.vjps[0](g, ans, a.data, *ctx), g):
                    push(a)
                continue
            ins, args = _io(n)
            for vjp, p in zip(op.vjps, ins, strict=True):
                if (isinstance(p, Value) and p.requires_grad
                        and _accumulate(p, vjp(g, ans, *args), g)):
                    push(p)
            continue
        ta = type(a)
        va = ta is Value or (ta is not float and ta is not ndarray and isinstance(a, Value))
        if op.nin == 1:
            x = a.data
            gi = op.vjps[0](g, ans, x)
            if type(gi) is float and type(x) is float:
                pg = a._grad
                a._grad = gi if pg is None else pg + gi
                c = a._pending - 1
                a._pending = c
                if c == 0 and a._op is not None:
                    push(a)
            elif _accumulate(a, gi, g):
                push(a)
            continue
        b = n._b
        tb = type(b)
        vb = tb is Value or (tb is not float and tb is not ndarray and isinstance(b, Value))
        x = a.data if va else a
        y = b.data if vb else b
        # add and mul are most nodes of a scalar graph: their VJPs are written inline
        # (the table's vjps compute the same; test_ops_table checks both paths).
        if op is _ADD:
            ga = gb = g
        elif op is _MUL:
            ga, gb = (g * y if va else None), (g * x if vb else None)
        else:
            ga = op.vjps[0](g, ans, x, y) if va and a.requires_grad else None
            gb = op.vjps[1](g, ans, x, y) if vb and b.requires_grad else None
        if va and a.requires_grad:  # the same few lines for a, then for b
            if type(ga) is float and type(x) is float:
                pg = a._grad
                a._grad = ga if pg is None else pg + ga
                c = a._pending - 1
                a._pending = c
                if c == 0 and a._op is not None:
                    push(a)
            elif _accumulate(a, ga, g):
                push(a)
        if vb and b.requires_grad:
            if type(gb) is float and type(y) is float:
                pg = b._grad
                b._grad = gb if pg is None else pg + gb
                c = b._pending - 1
                b._pending = c
                if c == 0 and b._op is not None:
                    push(b)
            elif _accumulate(b, gb, g):
                push(b)


# ---------------------------------------------------------------- higher order


def _fit_value(gi: Any, pd: Any) -> Any:
    """`fit` for gradients that are Values: shape, then dtype, by table ops."""
    shape = shape_of(pd)
    if type(pd) is float:
        return gi if shape_of(gi) == () else call(SUM, gi, params=(None, False))
    if shape_of(gi) != shape:
        gi = unbroadcast(gi, shape)
        if shape_of(gi) != shape:  # a size-1 gradient for a larger input
            gi = call(BROADCAST_TO, gi, params=(shape,))
    dt = gi.dtype if isinstance(gi, (Value, ndarray)) else np.dtype(np.float64)
    return gi if dt == pd.dtype else call(CAST, gi, params=(pd.dtype,))


def _propagate_graph(stack: list[Value]) -> None:
    """Step 2 with `create_graph=True`: VJPs get Values (`ans` is the node itself,
    inputs are the input Values), so every gradient is recorded as a graph."""
    pop, push = stack.pop, stack.append
    while stack:
        n = pop()
        ins = _io(n)[0]
        params = _io(n)[1][cast(Op, n._op).nin:]
        g = n._grad
        for vjp, p in zip(cast(Op, n._op).vjps, ins, strict=True):
            if not (isinstance(p, Value) and p.requires_grad):
                continue
            gi = _fit_value(vjp(g, n, *ins, *params), p.data)
            p._grad = gi if p._grad is None else p._grad + gi
            p._pending -= 1
            if p._pending == 0 and p._op is not None:
                push(p)


def propagate(roots: Sequence[Value], create_graph: bool = False) -> None:
    """Step 2: run each node's VJPs once all its children are done, from `roots`
    (whose gradients are already seeded) down to the leaves."""
    stack, seen = [], set()
    for r in roots:
        if r._op is not None and r._pending == 0 and id(r) not in seen:
            seen.add(id(r))
            stack.append(r)
    if not create_graph:
        _propagate_data(stack)
        return
    with enable_grad():  # the backward pass is recorded even inside no_grad()
        _propagate_graph(stack)


# ---------------------------------------------------------------- entry points


def _seed_into(r: Value, seed: Any, create_graph: bool) -> None:
    if create_graph:
        seed = as_value(seed) if not isinstance(seed, Value) else seed
    elif type(seed) is ndarray and r._op is None:
        seed = seed.copy()
    r._grad = seed if r._grad is None else r._grad + seed


def backward(roots: Sequence[Value], seeds: Sequence[Any], create_graph: bool = False) -> None:
    """Add d(roots)/d(leaf) · seeds into every reachable leaf's `.grad`."""
    for r in roots:
        if r._op is not None:
            r._grad = None
    try:
        count_children(roots)
        for r, s in zip(roots, seeds, strict=True):
            _seed_into(r, s, create_graph)
        propagate(roots, create_graph)
    except BaseException:
        reset(roots)
        raise


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: Any = None, create_graph: bool = False) -> list[Any]:
    """d(outputs)/d(inputs), returned as a list (one gradient per input) without
    touching any `.grad` (as `torch.autograd.grad`).

    `outputs`: a Value or a sequence of them; a one-element output is seeded with 1,
    any other needs its `grad_outputs` entry (the vector of the vector-Jacobian
    product). `inputs`: Values (leaves or intermediate). An input the outputs do not
    depend on gets a zero gradient. With `create_graph=True` the gradients are Values
    with a graph of their own, so `grad` can be applied to them again.

    ```pycon
    >>> x = Value(3.0); y = x * x * x
    >>> (dy,) = grad(y, x, create_graph=True)
    >>> dy.data, grad(dy, x)[0]
    (27.0, 18.0)

    ```
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, (Value, ndarray, float, int)):
        gos = [grad_outputs] * len(outs) if len(outs) == 1 or grad_outputs is None \
            else None
    else:
        gos = list(grad_outputs)
    if gos is None or len(gos) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs need {len(outs)} grad_outputs (or None)")
    for i, o in enumerate([*outs, *ins]):
        if not isinstance(o, Value):
            raise TypeError(f"grad: outputs and inputs must be Values, got {type(o).__name__} "
                            f"at position {i}")
    for o in outs:
        if not o.requires_grad:
            raise ValueError("grad: an output does not require grad (made under no_grad(), "
                             "from constants or with requires_grad=False)")
    seeds = [o._seed(go) for o, go in zip(outs, gos, strict=True)]
    for r in [*outs, *ins]:
        if r._op is not None:  # an intermediate input not reached must not show a stale grad
            r._grad = None
    stashed: list[tuple[Value, Any]] = []
    try:
        leaves = count_children(outs)
        for v in {id(v): v for v in [*leaves, *ins, *outs] if v._op is None}.values():
            stashed.append((v, v._grad))  # leaves' .grad are kept out of this pass
            v._grad = None
        for r, s in zip(outs, seeds, strict=True):
            _seed_into(r, s, create_graph)
        propagate(outs, create_graph)
        result = [_zero_like(v, create_graph) if v._grad is None else v._grad for v in ins]
    except BaseException:
        reset(outs)
        raise
    finally:
        for v, g in stashed:
            v._grad = g
    return result


def _zero_like(v: Value, create_graph: bool) -> Any:
    d = v.data
    z = 0.0 if type(d) is float else np.zeros_like(d)
    return as_value(z) if create_graph else z
