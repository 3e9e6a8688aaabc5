"""`Value`: a scalar or tensor that records how it was computed, and reverse-mode autodiff.

A Value's ``data`` is a Python ``float`` (a *scalar* Value) or an ``ndarray`` (a
*tensor* Value), never a 0-d array or a numpy scalar: floats keep the scalar path
free of numpy's per-call overhead. Every operation is an entry of the table in
:mod:`micrograd_nn.ops`; the methods here only route into it.

A graph node keeps its op's inputs in three slots rather than a tuple: ``_a`` and
``_b`` (a Value, or the raw data of a plain operand) and ``_ctx`` (any further
inputs, then the op's static arguments). One allocation per node instead of two
halves the garbage collector's work on the scalar path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ._data import as_data, as_operand, fit, fmt, shape_error
from .ops import OPS, Op

ndarray = np.ndarray
_new = object.__new__


class _GradMode:
    """Whether new results record a graph; changed only by :class:`no_grad`."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


_mode = _GradMode()


class no_grad(contextlib.ContextDecorator):
    """Context manager (or decorator): Values made inside record no graph and have
    ``requires_grad`` False. Nests, and one instance may be reused.

    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.requires_grad
    False
    """

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> no_grad:
        self._saved.append(_mode.enabled)
        _mode.enabled = False
        return self

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._saved.pop()


def _result(ans: Any, op: Op, a: Any, b: Any, ctx: tuple, rg: bool) -> Value:
    """Wrap an op's output; record the graph only if an input needs a gradient."""
    t = type(ans)
    if t is not float and (t is not ndarray or not ans.ndim):
        ans = float(ans)
    v = _new(Value)
    v.data = ans
    v._grad = None
    v.label = ""
    v._pending = 0
    if rg and _mode.enabled:
        v.requires_grad = True
        v._op, v._a, v._b, v._ctx = op, a, b, ctx
    else:
        v.requires_grad = False
        v._op = v._a = v._b = None
        v._ctx = ()
    return v


def _operator(name: str) -> Callable[[Value, Any], Any]:
    """``Value.__<name>__``: ``self (op) other`` for the table op ``name``, where the
    other side may be a Value or a plain number/array (a constant, not a graph node).

    The scalar path's hot spot: one call per op, and node creation inlined for floats.
    """
    op = OPS[name]
    fwd = op.fwd

    def method(self: Value, o: Any) -> Any:
        x = self.data
        if type(o) is Value:
            y = o.data
            rg = self.requires_grad or o.requires_grad
        else:
            y = o = o if type(o) is float else as_operand(o)
            if o is NotImplemented:
                return NotImplemented
            rg = self.requires_grad
        try:
            ans = fwd(x, y)
        except ValueError as e:
            raise shape_error(op, (x, y), e) from None
        if type(ans) is not float:
            return _result(ans, op, self, o, (), rg)
        v = _new(Value)
        v.data = ans
        v._grad = None
        v.label = ""
        v._pending = 0
        if rg and _mode.enabled:
            v.requires_grad = True
            v._op, v._a, v._b, v._ctx = op, self, o, ()
        else:
            v.requires_grad = False
            v._op = v._a = v._b = None
            v._ctx = ()
        return v

    method.__name__ = method.__qualname__ = f"__{name}__"
    return method


def _reflected(name: str) -> Callable[[Value, Any], Any]:
    """``Value.__r<name>__``: ``other (op) self`` when the left side is not a Value."""
    op = OPS[name]

    def method(self: Value, o: Any) -> Any:
        x = o if type(o) is float else as_operand(o)
        if x is NotImplemented:
            return NotImplemented
        try:
            ans = op.fwd(x, self.data)
        except ValueError as e:
            raise shape_error(op, (x, self.data), e) from None
        return _result(ans, op, x, self, (), self.requires_grad)

    method.__name__ = method.__qualname__ = f"__r{name}__"
    return method


def _unary(op: Op, x: Value, *params: Any) -> Value:
    try:
        ans = op.fwd(x.data, *params)
    except ValueError as e:
        raise ValueError(f"{op.name}: {e} (input shape {fmt(x.shape)})") from None
    return _result(ans, op, x, None, params, x.requires_grad)


def apply(op: Op | str, *inputs: Any, params: tuple = ()) -> Value:
    """Apply a table op to its inputs: Values, or plain numbers/arrays (constants).

    ``params`` are the op's static arguments (an axis, a shape). Layers and losses use
    it for the fused ops, e.g. ``apply("linear", x, W, b)``.
    """
    if type(op) is str:
        op = OPS[op]
    if len(inputs) != op.nin:
        raise TypeError(f"{op.name}: takes {op.nin} inputs, got {len(inputs)}")
    ins, args, rg = list(inputs), [], False
    for i, x in enumerate(inputs):
        if type(x) is Value:
            rg = rg or x.requires_grad
            x = x.data
        elif x is not None:
            x = as_operand(x)
            if x is NotImplemented:
                raise TypeError(f"{op.name}: unsupported operand type "
                                f"{type(inputs[i]).__name__}")
            ins[i] = x
        args.append(x)
    try:
        ans = op.fwd(*args, *params)
    except ValueError as e:
        raise shape_error(op, tuple(args), e) from None
    if len(ins) < 2:
        ins.append(None)
    return _result(ans, op, ins[0], ins[1], (*ins[2:], *params), rg)


def _io(n: Value) -> tuple[tuple, tuple]:
    """A graph node's inputs (Values or constants) and its forward's arguments."""
    nin, a, b, ctx = n._op.nin, n._a, n._b, n._ctx
    if nin == 1:
        return (a,), (a.data if type(a) is Value else a, *ctx)
    ins = (a, b, *ctx[:nin - 2]) if nin > 2 else (a, b)
    args = [x.data if type(x) is Value else x for x in ins]
    return ins, (*args, *ctx[nin - 2:])


def _reset(root: Value) -> None:
    """After a failed backward, clear the child counts it left behind."""
    seen, stack = set(), [root]
    while stack:
        n = stack.pop()
        n._pending = 0
        for p in (_io(n)[0] if n._op is not None else ()):
            if type(p) is Value and id(p) not in seen:
                seen.add(id(p))
                stack.append(p)


def _accumulate(p: Value, gi: Any, g: Any) -> bool:
    """Add one child's share ``gi`` (made from the child's gradient ``g``) into
    ``p._grad``; True once ``p`` has all shares."""
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


def _backprop(root: Value, seed: Any) -> None:
    """Kahn's algorithm on child counts: no recursion, each VJP runs once. An exception
    (a failing VJP, Ctrl-C) in either pass clears the counts, so the graph stays usable."""
    try:
        # Pass 1: count each node's children in this graph; clear non-leaf gradients.
        stack = [root]
        pop, push = stack.pop, stack.append
        while stack:
            n = pop()
            for p in (n._a, n._b) if n._op.nin <= 2 else _io(n)[0]:
                if type(p) is Value and p.requires_grad:
                    if p._pending == 0 and p._op is not None:
                        p._grad = None
                        push(p)
                    p._pending += 1
        # Pass 2: a node's VJPs run once all its children have added their share.
        root._grad = seed
        stack = [root]
        pop, push = stack.pop, stack.append
        while stack:
            n = pop()
            op, g, ans, a = n._op, n._grad, n.data, n._a
            if n._ctx or op.nin > 2:
                ins, args = _io(n)
                for vjp, p in zip(op.vjps, ins, strict=True):
                    if (type(p) is Value and p.requires_grad
                            and _accumulate(p, vjp(g, ans, *args), g)):
                        push(p)
                continue
            # unary and binary ops without static arguments: most nodes, unpacked inline
            x = a.data if type(a) is Value else a
            if op.nin == 1:
                if a.requires_grad and _accumulate(a, op.vjps[0](g, ans, x), g):
                    push(a)
                continue
            b = n._b
            y = b.data if type(b) is Value else b
            if type(a) is Value and a.requires_grad and _accumulate(a, op.vjps[0](g, ans, x, y), g):
                push(a)
            if type(b) is Value and b.requires_grad and _accumulate(b, op.vjps[1](g, ans, x, y), g):
                push(b)
    except BaseException:
        _reset(root)
        raise


class Value:
    """A scalar or tensor node of a computation graph.

    ``Value(data, label="", requires_grad=True)``: a number gives a scalar Value
    (``.data`` a float), a list, tuple or array a tensor Value (``.data`` an ndarray,
    float64 unless given float32). The contract is shared/API.md, section Value.

    >>> a = Value(2.0); b = a * a + a
    >>> b.backward(); a.grad
    5.0
    """

    __slots__ = ("data", "_grad", "label", "requires_grad", "_op", "_a", "_b", "_ctx",
                 "_pending")
    __array_ufunc__ = None  # `ndarray (op) Value` defers to our reflected operators

    def __init__(self, data: Any, label: str = "", requires_grad: bool = True) -> None:
        if type(data) is Value:
            raise TypeError("Value(data): data is already a Value; use .detach() or .data")
        self.data = as_data(data)
        self._grad = None
        self.label = str(label)
        self.requires_grad = bool(requires_grad) and _mode.enabled
        self._op: Op | None = None
        self._a = self._b = None
        self._ctx: tuple = ()
        self._pending = 0

    # ------------------------------------------------------------ attributes
    @property
    def grad(self) -> Any:
        """d(root)/d(self) summed over the backward passes so far (0.0 / zeros before)."""
        if self._grad is None:
            d = self.data
            self._grad = 0.0 if type(d) is float else np.zeros_like(d)
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        """``None`` resets; a number fills the Value's shape; an array must have that shape."""
        if value is None:
            self._grad = None
            return
        d, g = self.data, as_data(value, "grad")
        if type(g) is float:
            self._grad = g if type(d) is float else np.full(d.shape, g, dtype=d.dtype)
        elif type(d) is not float and g.shape == d.shape:
            self._grad = g if g.dtype == d.dtype else g.astype(d.dtype)
        else:
            raise ValueError(f"grad: an array of shape {fmt(g.shape)} for a Value of shape "
                             f"{fmt(self.shape)}; give that shape (or a number, or None)")

    @property
    def shape(self) -> tuple[int, ...]:
        d = self.data
        return () if type(d) is float else d.shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        d = self.data
        return 1 if type(d) is float else d.size

    @property
    def dtype(self) -> np.dtype:
        d = self.data
        return np.dtype(np.float64) if type(d) is float else d.dtype

    @property
    def op(self) -> str:
        """Name of the op that made this Value ('' for a leaf)."""
        return "" if self._op is None else self._op.name

    @property
    def inputs(self) -> tuple:
        """The op's inputs: Values, or the raw data of plain operands (empty for a leaf)."""
        return () if self._op is None else _io(self)[0]

    @property
    def params(self) -> tuple:
        """The op's static arguments, e.g. ``(axis, keepdims)`` for ``sum``."""
        return () if self._op is None else _io(self)[1][self._op.nin:]

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from."""
        return tuple(p for p in self.inputs if type(p) is Value)

    def __repr__(self) -> str:
        parts = [f"label={self.label!r}"] if self.label else []
        d = self.data
        if type(d) is float:
            parts.append(f"data={d:.6g}")
            if self._grad is not None:
                parts.append(f"grad={self._grad:.6g}")
        else:
            parts.append(f"shape={fmt(d.shape)}, dtype={d.dtype}")
        if self._op is not None:
            parts.append(f"op={self._op.name}")
        if not self.requires_grad:
            parts.append("requires_grad=False")
        return f"Value({', '.join(parts)})"

    def item(self) -> float:
        """The value of a one-element Value as a Python float."""
        d = self.data
        if type(d) is float:
            return d
        if d.size != 1:
            raise ValueError(f"item(): a Value of shape {fmt(d.shape)} has {d.size} "
                             "elements; only one-element Values convert (index it first)")
        return float(d.reshape(-1)[0])

    __float__ = item

    def __len__(self) -> int:
        self._need_tensor("len()")
        return len(self.data)

    def detach(self) -> Value:
        """The same data (shared, not copied) as a constant with no history."""
        v = Value(0.0, self.label, requires_grad=False)
        v.data = self.data
        return v

    # ------------------------------------------------------------ arithmetic
    # ``x ** y`` takes a number or Value ``y``; a negative base gives a NaN gradient
    # with respect to ``y`` (as PyTorch). ``@`` follows numpy's matmul.
    __add__, __radd__ = _operator("add"), _reflected("add")
    __sub__, __rsub__ = _operator("sub"), _reflected("sub")
    __mul__, __rmul__ = _operator("mul"), _reflected("mul")
    __truediv__, __rtruediv__ = _operator("div"), _reflected("div")
    __pow__, __rpow__ = _operator("pow"), _reflected("pow")
    __matmul__, __rmatmul__ = _operator("matmul"), _reflected("matmul")

    def __neg__(self) -> Value:
        return _unary(_NEG, self)

    def __abs__(self) -> Value:
        return _unary(_ABS, self)

    # ------------------------------------------------------------ elementwise
    def exp(self) -> Value:
        """e**x; exp(1000) is inf, without OverflowError or warning."""
        return _unary(_EXP, self)

    def log(self) -> Value:
        """Natural log; log(0) = -inf and log(x < 0) = nan, without warnings."""
        return _unary(_LOG, self)

    def tanh(self) -> Value:
        return _unary(_TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + exp(-x)), exact at both tails; gradient s * (1 - s)."""
        return _unary(_SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0); its gradient at 0 is 0."""
        return _unary(_RELU, self)

    def abs(self) -> Value:
        """|x|; its gradient at 0 is 0."""
        return _unary(_ABS, self)

    def sqrt(self) -> Value:
        return _unary(_SQRT, self)

    def softplus(self) -> Value:
        """log(1 + exp(x)), stable at any x; gradient sigmoid(x)."""
        return _unary(_SOFTPLUS, self)

    def log_softmax(self, axis: int = -1) -> Value:
        """x - logsumexp(x, axis), stable for logits of any size."""
        self._need_tensor("log_softmax")
        return _unary(_LOG_SOFTMAX, self, axis)

    # ------------------------------------------------------------ reductions
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Value:
        return _unary(_SUM, self, _axis(axis), keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Value:
        return _unary(_MEAN, self, _axis(axis), keepdims)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Value:
        """Maximum; tied maxima share the gradient equally (as ``torch.amax``)."""
        return _unary(_MAX, self, _axis(axis), keepdims)

    # ------------------------------------------------------------ shapes
    def reshape(self, *shape: Any) -> Value:
        """``v.reshape(2, 3)`` or ``v.reshape((2, 3))``; ``-1`` infers one dimension."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _unary(_RESHAPE, self, shape)

    def transpose(self, *axes: Any) -> Value:
        """Reverse the axes, or permute them: ``v.transpose(1, 0, 2)``."""
        self._need_tensor("transpose")
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _unary(_TRANSPOSE, self, axes or None)

    @property
    def T(self) -> Value:
        return self.transpose()

    def __getitem__(self, idx: Any) -> Value:
        """Basic (ints, slices, None, ...) and integer-array indexing, as numpy."""
        self._need_tensor("indexing")
        parts = idx if type(idx) is tuple else (idx,)
        if any(type(i) is Value for i in parts):
            raise TypeError("indexing: use ints, slices or integer arrays, not a Value")
        if any(type(i) is list for i in parts):
            parts = tuple(np.asarray(i) if type(i) is list else i for i in parts)
            idx = parts if type(idx) is tuple else parts[0]
        try:
            return _unary(_GETITEM, self, idx)
        except IndexError as e:
            raise IndexError(f"indexing: {e} (Value of shape {fmt(self.shape)})") from None

    def _need_tensor(self, what: str) -> None:
        if type(self.data) is float:
            raise TypeError(f"{what}: needs a tensor Value, got a scalar; make one "
                            "with Value([x]) or Value(np.array(...))")

    # ------------------------------------------------------------ autodiff
    def backward(self, grad: Any = None) -> None:
        """Add d(self)/d(leaf) * grad into every leaf's ``.grad`` (reverse mode).

        A one-element root is seeded with 1; any other root needs ``grad`` of its
        shape. Leaf gradients accumulate across calls; intermediate gradients are
        recomputed from zero on each call. No recursion: depth is limited by memory.
        """
        if not self.requires_grad:
            raise ValueError("backward: this Value does not require grad (it was made "
                             "under no_grad(), from constants or with requires_grad=False)")
        seed = self._seed(grad)
        if self._op is None:  # a leaf root: d(self)/d(self) = 1
            self._grad = seed if self._grad is None else self._grad + seed
        else:
            _backprop(self, seed)

    def _seed(self, grad: Any) -> Any:
        d, shape = self.data, self.shape
        if grad is None:
            if type(d) is float:
                return 1.0
            if d.size == 1:
                return np.ones_like(d)
            raise ValueError(f"backward: the root has shape {fmt(shape)}, so grad= of "
                             f"shape {fmt(shape)} is needed (without it the seed is 1 of "
                             "shape (), which fits only a one-element root); or reduce "
                             "it first, e.g. .sum()")
        g = as_data(grad.data if type(grad) is Value else grad, "backward grad")
        if np.shape(g) != shape:
            raise ValueError(f"backward: grad has shape {fmt(np.shape(g))} but the root "
                             f"has shape {fmt(shape)}")
        return g if type(d) is float else np.array(g, dtype=d.dtype)


def _axis(axis: Any) -> Any:
    if axis is None or type(axis) is int:
        return axis
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    if isinstance(axis, np.integer):
        return int(axis)
    raise TypeError(f"axis must be None, an int or a tuple of ints, not {type(axis).__name__}")


def as_value(x: Any) -> Value:
    """``x`` itself if it is a Value, else a constant Value of it."""
    return x if type(x) is Value else Value(x, requires_grad=False)


_NEG, _EXP, _LOG, _TANH, _SIGMOID, _RELU, _ABS, _SQRT, _SOFTPLUS = (
    OPS[k] for k in ("neg", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "softplus"))
_SUM, _MEAN, _MAX, _RESHAPE, _TRANSPOSE, _GETITEM, _LOG_SOFTMAX = (
    OPS[k] for k in ("sum", "mean", "max", "reshape", "transpose", "getitem", "log_softmax"))
