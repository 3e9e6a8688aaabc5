"""`Value`: a scalar or tensor that records how it was computed, and reverse-mode autodiff.

A Value's `data` is a Python `float` (a *scalar* Value) or an `ndarray` (a
*tensor* Value), never a 0-d array or a numpy scalar: floats keep the scalar path
free of numpy's per-call overhead. Every operation is an entry of the table in
[`micrograd_nn.ops`][]; the methods here only route into it.

A graph node keeps its op's inputs in three slots rather than a tuple: `_a` and
`_b` (a Value, or the raw data of a plain operand) and `_ctx` (any further
inputs, then the op's static arguments). One allocation per node instead of two
halves the garbage collector's work on the scalar path.

The reverse pass itself is [`micrograd_nn.autodiff`][]; numpy's functions reach the
op table through `micrograd_nn.numpy_api` (`__array_ufunc__` and
`__array_function__`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ._data import as_data, as_operand, fmt, shape_error
from .ops import CAST, OPS, Op

ndarray = np.ndarray
_np: Any = np  # numpy, for Value's ndarray methods (see there)
_new = object.__new__


class _GradMode(threading.local):
    """Whether new results record a graph, per thread (as PyTorch's grad mode): a
    thread running `predict` under [`no_grad`][micrograd_nn.engine.no_grad] never turns off another
    thread's graph. Changed only through `_set_grad_enabled`."""

    enabled = True  # each new thread starts with graphs on


_mode = _GradMode()
_lock = threading.Lock()
# How many threads have grad mode off right now. While it is 0 (training, the usual
# case) the hot path skips the thread-local read (~40 ns a node, measured on W1).
_threads_off = 0


def _set_grad_enabled(on: bool) -> bool:
    """Set this thread's grad mode; return the previous one."""
    global _threads_off
    prev = _mode.enabled
    if prev != on:
        with _lock:
            _threads_off += -1 if on else 1
        _mode.enabled = on
    return prev


def grad_enabled() -> bool:
    """Whether Values made now, in this thread, record a graph."""
    return _mode.enabled


class no_grad(contextlib.ContextDecorator):
    """Context manager (or decorator): Values made inside record no graph and have
    `requires_grad` False, in this thread only. Nests, and one instance may be reused.

    ```pycon
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.requires_grad
    False

    ```
    """

    _on = False

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> no_grad:
        self._saved.append(_set_grad_enabled(self._on))
        return self

    def __exit__(self, *exc: object) -> None:
        _set_grad_enabled(self._saved.pop())


class enable_grad(no_grad):
    """The opposite of [`no_grad`][micrograd_nn.engine.no_grad]: record graphs inside, even within a
    `no_grad()` block (`backward(create_graph=True)` uses it)."""

    _on = True


def _result(ans: Any, op: Op, a: Any, b: Any, ctx: tuple, rg: bool) -> Value:
    """The node constructor: wrap an op's output, recording the graph only if an input
    needs a gradient (and grad mode is on in this thread)."""
    t = type(ans)
    if t is not float and (t is not ndarray or not ans.ndim):
        ans = float(ans)
    v = _new(Value)
    v.data = ans
    v._grad = None
    v.label = ""
    v._pending = 0
    if rg and (not _threads_off or _mode.enabled):
        v.requires_grad = True
        v._op, v._a, v._b, v._ctx = op, a, b, ctx
    else:
        v.requires_grad = False
        v._op = v._a = v._b = None
        v._ctx = ()
    return v


def _operator(name: str) -> Callable[[Value, Any], Any]:
    """`Value.__<name>__`: `self (op) other` for the table op `name`, where the
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
        elif type(o) is float:
            y = o
            rg = self.requires_grad
        elif isinstance(o, Value):
            y = o.data
            rg = self.requires_grad or o.requires_grad
        else:
            y = o = as_operand(o)
            if o is NotImplemented:
                return NotImplemented
            rg = self.requires_grad
        try:
            ans = fwd(x, y)
        except ValueError as e:
            raise shape_error(op, (x, y), e) from None
        if type(ans) is not float:
            return _result(ans, op, self, o, (), rg)
        # An inlined copy of _result for float results: the scalar path's hot spot
        # (measured in benchmarks/, W1). Keep the two in step.
        v = _new(Value)
        v.data = ans
        v._grad = None
        v.label = ""
        v._pending = 0
        if rg and (not _threads_off or _mode.enabled):
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
    """`Value.__r<name>__`: `other (op) self` when the left side is not a Value."""
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

    `params` are the op's static arguments (an axis, a shape). Layers and losses use
    it for the fused ops, e.g. `apply("linear", x, W, b)`.
    """
    if isinstance(op, str):
        op = OPS[op]
    if len(inputs) != op.nin:
        raise TypeError(f"{op.name}: takes {op.nin} inputs, got {len(inputs)}")
    ins, args, rg = list(inputs), [], False
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
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
    # n is a graph node, so its op is set (no runtime check: the backward pass calls this)
    nin, a, b, ctx = n._op.nin, n._a, n._b, n._ctx  # type: ignore[union-attr]
    if nin == 1:
        return (a,), (a.data if isinstance(a, Value) else a, *ctx)
    ins = (a, b, *ctx[:nin - 2]) if nin > 2 else (a, b)
    args = [x.data if isinstance(x, Value) else x for x in ins]
    return ins, (*args, *ctx[nin - 2:])


class Value:
    """A scalar or tensor node of a computation graph.

    `Value(data, label="", requires_grad=True, copy=True)`: a number gives a scalar
    Value (`.data` a float), a list, tuple or array a tensor Value (`.data` an
    ndarray, float64 unless given float32). An array is copied, as `torch.tensor`
    does, so an optimizer step never writes into the caller's array; `copy=False`
    shares it (for those who want that).

    numpy's own functions accept Values (`np.sin(v)`, `np.concatenate([a, b])`)
    and return Values; plain arrays beside them are constants. `<`, `<=`, `>`,
    `>=` compare the data (plain bools or bool arrays, no gradient), while `==` is
    identity, so Values stay usable as dict keys and in sets (compare data with
    `np.equal(v, w)` or `v.data == w.data`).

    ```pycon
    >>> a = Value(2.0); b = a * a + a
    >>> b.backward(); a.grad
    5.0

    ```
    """

    __slots__ = ("data", "_grad", "label", "requires_grad", "_op", "_a", "_b", "_ctx",
                 "_pending")
    # the slots' types, for mypy (no class attributes: annotations only)
    _grad: Any  # None, or a float / ndarray like data (a Value under create_graph)
    _a: Any  # the op's first and second inputs: Values, constants or None
    _b: Any

    def __init__(self, data: Any, label: str = "", requires_grad: bool = True, *,
                 copy: bool = True) -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value; use .detach() or .data")
        self.data = as_data(data, copy=copy)
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
        """`None` resets; a number fills the Value's shape; an array must have that shape."""
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
    def has_grad(self) -> bool:
        """Whether a gradient is stored (False before any backward pass reached this
        Value and after `grad = None`): optimizers skip parameters without one."""
        return self._grad is not None

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
        """The op's static arguments, e.g. `(axis, keepdims)` for `sum`."""
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

    def __bool__(self) -> bool:
        """The truth of a one-element Value (as PyTorch); larger ones are ambiguous."""
        d = self.data
        if type(d) is float:
            return d != 0.0
        if d.size != 1:
            raise ValueError(f"bool(): a Value of shape {fmt(d.shape)} has {d.size} elements, "
                             "so its truth is ambiguous; use (v.data).any() or .all()")
        return bool(d.reshape(-1)[0])

    # ------------------------------------------------------------ comparisons
    # Ordering compares the data, as numpy does: plain bools / bool arrays, no gradient.
    def __lt__(self, o: Any) -> Any:
        return self.data < _plain(o)

    def __le__(self, o: Any) -> Any:
        return self.data <= _plain(o)

    def __gt__(self, o: Any) -> Any:
        return self.data > _plain(o)

    def __ge__(self, o: Any) -> Any:
        return self.data >= _plain(o)

    __hash__ = object.__hash__  # == stays identity (see the class docstring)

    # ------------------------------------------------------------ numpy protocols
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """`np.sin(v)`, `arr + v`: route numpy's ufuncs to the op table."""
        pair = _OPERATOR_UFUNCS.get(ufunc)
        if pair is not None and method == "__call__" and not kwargs and len(inputs) == 2:
            # `array (op) Value` is our reflected operator: the short way (saves the
            # general dispatch, several microseconds, on every constant-left product)
            a, b = inputs
            return pair[0](a, b) if a is self else pair[1](b, a)
        from .numpy_api import array_ufunc
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """`np.concatenate([a, b])`, `np.sum(v)`: route numpy's functions."""
        from .numpy_api import array_function
        return array_function(func, types, args, kwargs)

    def __apply_op__(self, op: Op, inputs: tuple, params: tuple) -> Value:
        """Record table op `op` on `inputs` (the protocol `.opdef.call` uses
        when a VJP runs on Values under `create_graph=True`)."""
        return apply(op, *inputs, params=params)

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
        """Maximum; tied maxima share the gradient equally (as `torch.amax`)."""
        return _unary(_MAX, self, _axis(axis), keepdims)

    # ------------------------------------------------------------ shapes
    def reshape(self, *shape: Any) -> Value:
        """`v.reshape(2, 3)` or `v.reshape((2, 3))`; `-1` infers one dimension."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _unary(_RESHAPE, self, shape)

    def transpose(self, *axes: Any) -> Value:
        """Reverse the axes, or permute them: `v.transpose(1, 0, 2)`."""
        self._need_tensor("transpose")
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _unary(_TRANSPOSE, self, axes or None)

    @property
    def T(self) -> Value:
        return self.transpose()

    # ------------------------------------------------------------ ndarray's methods
    # As on ndarray, each is numpy's function of the same name applied to this Value
    # (_np: numpy typed Any, as its stubs do not know the __array_function__ dispatch).
    def min(self, axis: Any = None, keepdims: bool = False) -> Value:
        """Minimum; tied minima share the gradient equally."""
        return _np.min(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Value:
        return _np.prod(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Value:
        """mean((x - mean(x))**2) * n / (n - ddof)."""
        return _np.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Value:
        return _np.std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def cumsum(self, axis: Any = None) -> Value:
        return _np.cumsum(self, axis=axis)

    def cumprod(self, axis: Any = None) -> Value:
        return _np.cumprod(self, axis=axis)

    def ravel(self) -> Value:
        return _np.ravel(self)

    def flatten(self) -> Value:
        return _np.ravel(self)

    def squeeze(self, axis: Any = None) -> Value:
        return _np.squeeze(self, axis=axis)

    def swapaxes(self, axis1: int, axis2: int) -> Value:
        return _np.swapaxes(self, axis1, axis2)

    def clip(self, min: Any = None, max: Any = None) -> Value:  # noqa: A002 (numpy's names)
        return _np.clip(self, min, max)

    def dot(self, other: Any) -> Value:
        return _np.dot(self, other)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
        return _np.trace(self, offset=offset, axis1=axis1, axis2=axis2)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
        return _np.diagonal(self, offset=offset, axis1=axis1, axis2=axis2)

    def repeat(self, repeats: Any, axis: Any = None) -> Value:
        return _np.repeat(self, repeats, axis=axis)

    def take(self, indices: Any, axis: Any = None) -> Value:
        return _np.take(self, indices, axis=axis)

    def round(self, decimals: int = 0) -> Value:
        """Rounded data; its gradient is 0 (a step function)."""
        return _np.round(self, decimals)

    def argmax(self, axis: Any = None) -> Any:
        """Index of the maximum (a plain int or int array: no gradient)."""
        return np.argmax(self.data, axis=axis)

    def argmin(self, axis: Any = None) -> Any:
        return np.argmin(self.data, axis=axis)

    def copy(self) -> Value:
        """A new node with the same values (gradient flows through it)."""
        return _unary(CAST, self, self.dtype)

    def astype(self, dtype: Any) -> Value:
        """The same values as another float dtype; the gradient is cast back."""
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"astype: a Value holds floating data, not {dt}; for integers "
                            "without gradient use v.data.astype(...)")
        if type(self.data) is float and dt != np.float64:
            raise TypeError(f"astype: a scalar Value is a Python float (float64); make a "
                            f"one-element tensor first, e.g. Value(np.array([x], {dt.name!r}))")
        return _unary(CAST, self, dt)

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
    def backward(self, grad: Any = None, create_graph: bool = False) -> None:
        """Add d(self)/d(leaf) * grad into every leaf's `.grad` (reverse mode).

        A one-element root is seeded with 1; any other root needs `grad` of its
        shape. Leaf gradients accumulate across calls; intermediate gradients are
        recomputed from zero on each call. No recursion: depth is limited by memory.
        `create_graph=True` records the backward pass itself, so each `.grad` is a
        Value with a graph of its own (`x.grad.backward()` gives second derivatives).
        """
        if not self.requires_grad:
            raise ValueError("backward: this Value does not require grad (it was made "
                             "under no_grad(), from constants or with requires_grad=False)")
        from .autodiff import backward
        backward((self,), (self._seed(grad),), create_graph)

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
        g = as_data(grad.data if isinstance(grad, Value) else grad, "backward grad")
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


_OPERATOR_UFUNCS = {
    np.add: (Value.__add__, Value.__radd__), np.subtract: (Value.__sub__, Value.__rsub__),
    np.multiply: (Value.__mul__, Value.__rmul__),
    np.true_divide: (Value.__truediv__, Value.__rtruediv__),
    np.power: (Value.__pow__, Value.__rpow__), np.matmul: (Value.__matmul__, Value.__rmatmul__),
}


def _plain(o: Any) -> Any:
    return o.data if isinstance(o, Value) else o


def as_value(x: Any) -> Value:
    """`x` itself if it is a Value, else a constant Value of it."""
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


_NEG, _EXP, _LOG, _TANH, _SIGMOID, _RELU, _ABS, _SQRT, _SOFTPLUS = (
    OPS[k] for k in ("neg", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "softplus"))
_SUM, _MEAN, _MAX, _RESHAPE, _TRANSPOSE, _GETITEM, _LOG_SOFTMAX = (
    OPS[k] for k in ("sum", "mean", "max", "reshape", "transpose", "getitem", "log_softmax"))
