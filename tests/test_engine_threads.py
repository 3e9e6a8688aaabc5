"""Grad mode is per thread, and the small traps of the Value API stay shut.

Before: ``no_grad`` was one process-wide switch, so a thread predicting under it made
another thread's training raise "does not require grad" (300 of 300 tries) or, with a
short switch interval, compute wrong gradients silently.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from micrograd_nn import Value, grad_enabled, no_grad


@pytest.fixture
def fast_switching():
    """Switch threads every few microseconds, so that races show within a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _run(*targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def guard(f):
        def run():
            try:
                f()
            except BaseException as e:  # noqa: BLE001 - reported to the test
                errors.append(e)
        return run

    threads = [threading.Thread(target=guard(f)) for f in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_no_grad_in_one_thread_leaves_another_recording(fast_switching) -> None:
    stop = threading.Event()
    W = np.random.default_rng(0).normal(size=(3, 3))
    x0 = np.arange(3.0)
    want = None

    def predict_loop():
        while not stop.is_set():
            with no_grad():
                Value(W) @ Value(x0)

    def train_loop():
        nonlocal want
        try:
            for _ in range(300):
                w = Value(W)
                ((w @ x0).sigmoid() ** 2).sum().backward()
                if want is None:
                    want = w.grad.copy()
                np.testing.assert_allclose(w.grad, want, rtol=0, atol=0)
        finally:
            stop.set()

    assert _run(predict_loop, train_loop) == []


def test_new_thread_starts_with_grad_on() -> None:
    seen = []
    with no_grad():
        assert not grad_enabled()
        t = threading.Thread(target=lambda: seen.append(grad_enabled()))
        t.start()
        t.join()
    assert seen == [True] and grad_enabled()


def test_two_threads_fit_their_own_models(fast_switching) -> None:
    from micrograd_nn.data import xor
    from micrograd_nn.nn import MLP
    from micrograd_nn.train import fit

    X, y = xor()

    def train(out: list):
        net = MLP(2, [3], 1, seed=0)
        fit(net, X, y, lr=0.5, epochs=60, verbose=0, seed=1)
        out.append([p.data.copy() for p in net.parameters()])

    a, b = [], []
    assert _run(lambda: train(a), lambda: train(b)) == []
    serial: list = []
    train(serial)
    for got in (a[0], b[0]):
        for g, w in zip(got, serial[0], strict=True):
            np.testing.assert_array_equal(g, w)


# ---------------------------------------------------------------- small API traps


def test_value_copies_the_callers_array() -> None:
    arr = np.ones(3)
    v = Value(arr)
    v.data -= 0.2
    np.testing.assert_array_equal(arr, [1.0, 1.0, 1.0])
    shared = Value(arr, copy=False)
    assert shared.data is arr


def test_optimizer_step_leaves_callers_array_alone() -> None:
    from micrograd_nn.optim import SGD

    arr = np.ones(3)
    w = Value(arr)
    (w * w).sum().backward()
    SGD([w], lr=0.1).step()
    np.testing.assert_array_equal(arr, [1.0, 1.0, 1.0])


def test_mean_of_empty_is_nan_and_backward_quiet(strict_warnings) -> None:
    x = Value(np.array([]))
    m = x.mean()
    assert np.isnan(m.data)
    m.backward()
    assert x.grad.shape == (0,)


def test_truth_value() -> None:
    assert not Value(0.0) and Value(2.0) and Value([3.0]) and not Value(np.zeros((1, 1)))
    with pytest.raises(ValueError, match=r"shape \(2,\).*ambiguous"):
        bool(Value([1.0, 2.0]))


def test_subclass_operands() -> None:
    class V(Value):
        pass

    a, b = Value(3.0), V(2.0)
    for out in (a * b, b * a, a + b, b - a):
        out.backward()
    assert a.grad == 2.0 + 2.0 + 1.0 - 1.0 and b.grad == 3.0 + 3.0 + 1.0 + 1.0


def test_ordering_gives_plain_bools_and_eq_is_identity() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a >= b) is False and (a < 1.5) is True
    t = Value([1.0, 3.0])
    assert (t > 2.0).tolist() == [False, True] and (2.0 < t).tolist() == [False, True]
    c = Value(1.0)
    assert a != c and a == a and len({a, c, a}) == 2
    assert np.equal(Value([1.0, 2.0]), np.array([1.0, 0.0])).tolist() == [True, False]
