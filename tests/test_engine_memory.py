"""Constant memory: a training loop (build graph, backward, update) keeps nothing of the
graphs of earlier steps. Value has ``__slots__`` without ``__weakref__``, so the checks
count live Values among the garbage collector's objects, and bound traced allocations.
Each test first shows that its probe does see graphs kept alive by mistake."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

from micrograd_nn import Value


def live_values() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def make_params(rng: np.random.Generator) -> list[Value]:
    return [Value(rng.normal(size=(2, 8)) * 0.5), Value(np.zeros(8)),
            Value(rng.normal(size=(8, 1)) * 0.5), Value(np.zeros(1))]


X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def tensor_step(params: list[Value], lr: float = 0.5) -> Value:
    w1, b1, w2, b2 = params
    out = ((X @ w1 + b1).tanh() @ w2 + b2).sigmoid()
    loss = ((out - Y) ** 2).mean()
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
        p.grad = None
    return loss


def scalar_step(params: list[Value], lr: float = 0.1) -> Value:
    w1, w2, b = params
    loss = Value(0.0)
    for (x1, x2), (y,) in zip(X.tolist(), Y.tolist(), strict=True):
        out = (w1 * x1 + w2 * x2 + b).sigmoid()
        loss = loss + (out - y) ** 2
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
        p.grad = None
    return loss


def test_memory_probe_sees_kept_graphs(rng) -> None:
    params = make_params(rng)
    before = live_values()
    kept = [tensor_step(params) for _ in range(10)]
    assert live_values() - before >= 10 * 9  # each kept root holds its 9-node graph
    del kept
    assert live_values() == before


def test_memory_tensor_training_loop_keeps_no_graphs(rng) -> None:
    base = live_values()
    params = make_params(rng)
    losses = []
    for step in range(200):
        losses.append(tensor_step(params).item())
        if step == 19:
            at_20 = live_values()
    assert live_values() == at_20 == base + len(params)
    assert losses[-1] < losses[0]  # it did train


def test_memory_scalar_training_loop_keeps_no_graphs() -> None:
    base = live_values()
    params = [Value(0.3), Value(-0.2), Value(0.1)]
    for step in range(200):
        scalar_step(params)
        if step == 19:
            at_20 = live_values()
    assert live_values() == at_20 == base + len(params)


def test_memory_traced_allocations_flat(rng) -> None:
    """Memory still allocated after step 50 and after step 200 differs by little, while
    keeping every step's graph would grow it by well over the bound."""
    params = make_params(rng)
    tracemalloc.start()
    try:
        for step in range(200):
            tensor_step(params)
            if step == 49:
                gc.collect()
                at_50 = tracemalloc.get_traced_memory()[0]
        gc.collect()
        at_200 = tracemalloc.get_traced_memory()[0]
        kept = [tensor_step(params) for _ in range(150)]
        gc.collect()
        with_kept = tracemalloc.get_traced_memory()[0]
        del kept
    finally:
        tracemalloc.stop()
    bound = 32 * 1024
    assert at_200 - at_50 < bound
    assert with_kept - at_200 > 4 * bound  # the probe can fail
