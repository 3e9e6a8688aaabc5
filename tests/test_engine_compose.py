"""Random compositions of ops, with shared subexpressions, against HIPS autograd and
PyTorch, on the scalar path and the tensor path (broadcasting a scalar Value, a row and
a matrix); and the same scalar program on floats and on one-element arrays."""

from __future__ import annotations

from types import SimpleNamespace

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from oracles import grads, torch_grads

MG = SimpleNamespace(
    tanh=lambda v: v.tanh(), sigmoid=lambda v: v.sigmoid(), exp=lambda v: v.exp(),
    log=lambda v: v.log(), relu=lambda v: v.relu(), abs=lambda v: v.abs(),
    sqrt=lambda v: v.sqrt(), softplus=lambda v: v.softplus(), sum=lambda v: v.sum(),
    mean=lambda v: v.mean())
ANP = SimpleNamespace(
    tanh=anp.tanh, sigmoid=lambda x: 1 / (1 + anp.exp(-x)), exp=anp.exp, log=anp.log,
    relu=lambda x: anp.maximum(x, 0.0), abs=anp.abs, sqrt=anp.sqrt,
    softplus=lambda x: anp.logaddexp(0.0, x), sum=anp.sum, mean=anp.mean)


def torch_backend(torch) -> SimpleNamespace:
    return SimpleNamespace(
        tanh=torch.tanh, sigmoid=torch.sigmoid, exp=torch.exp, log=torch.log, relu=torch.relu,
        abs=torch.abs, sqrt=torch.sqrt, softplus=torch.nn.functional.softplus,
        sum=torch.sum, mean=torch.mean)


# every step is written once against a backend B; domains are kept valid by construction
UNARY = {
    "tanh": lambda B, x: B.tanh(x),
    "sigmoid": lambda B, x: B.sigmoid(x),
    "neg": lambda B, x: -x,
    "relu": lambda B, x: B.relu(x),
    "abs": lambda B, x: B.abs(x),
    "softplus": lambda B, x: B.softplus(x),
    "exp-tanh": lambda B, x: B.exp(B.tanh(x)),
    "log-softplus": lambda B, x: B.log(B.softplus(x) + 0.5),
    "sqrt-sigmoid": lambda B, x: B.sqrt(B.sigmoid(x) + 0.1),
    "square": lambda B, x: x ** 2,
    "affine": lambda B, x: 0.5 - 2 * x / 3,
}
BINARY = {
    "add": lambda B, a, b: a + b,
    "sub": lambda B, a, b: a - b,
    "mul": lambda B, a, b: a * b,
    "div": lambda B, a, b: a / (1 + b * b),
    "pow": lambda B, a, b: (B.sigmoid(a) + 0.5) ** B.tanh(b),
}
_NAMES_U, _NAMES_B = sorted(UNARY), sorted(BINARY)


def make_program(seed: int, n_inputs: int, steps: int = 10) -> list[tuple]:
    rng = np.random.default_rng(seed)
    prog = []
    for k in range(steps):
        n = n_inputs + k
        if rng.random() < 0.5:
            prog.append(("u", _NAMES_U[rng.integers(len(_NAMES_U))], int(rng.integers(n))))
        else:
            i, j = rng.choice(n, size=2, replace=False)
            prog.append(("b", _NAMES_B[rng.integers(len(_NAMES_B))], int(i), int(j)))
    return prog


def run_program(B, prog: list[tuple], inputs: list) -> object:
    regs = list(inputs)
    for step in prog:
        if step[0] == "u":
            regs.append(UNARY[step[1]](B, regs[step[2]]))
        else:
            regs.append(BINARY[step[1]](B, regs[step[2]], regs[step[3]]))
    total = B.sum(regs[-1]) + B.mean(regs[-2] * regs[-3])  # the last three registers
    for x in inputs:  # and every input, so that no gradient is trivially zero
        total = total + B.mean(B.tanh(x))
    return total


def micrograd_run(prog, inputs) -> tuple[float, list]:
    value, gs = grads(lambda *vs: run_program(MG, prog, list(vs)), *inputs)
    assert type(value) is float
    return value, gs


SCALAR_INPUTS = [0.7, -1.3, 0.4]
TENSOR_INPUTS = [np.array([[0.3, -0.8, 1.1], [-0.5, 0.9, 0.2]]), np.array([0.6, -0.2, -1.4]),
                 -0.9]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", ["scalar", "tensor"])
def test_compose_matches_autograd(kind: str, seed: int) -> None:
    inputs = SCALAR_INPUTS if kind == "scalar" else TENSOR_INPUTS
    prog = make_program(100 + seed, len(inputs))
    value, grads = micrograd_run(prog, inputs)

    def f(*xs):
        return run_program(ANP, prog, list(xs))

    assert value == pytest.approx(float(f(*inputs)), rel=1e-12)
    for i, (g, x) in enumerate(zip(grads, inputs, strict=True)):
        assert np.shape(g) == np.shape(x)
        np.testing.assert_allclose(g, autograd.grad(f, i)(*inputs), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{prog} input {i}")


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", ["scalar", "tensor"])
def test_compose_matches_torch(kind: str, seed: int) -> None:
    torch = pytest.importorskip("torch")
    inputs = SCALAR_INPUTS if kind == "scalar" else TENSOR_INPUTS
    prog = make_program(100 + seed, len(inputs))
    value, grads = micrograd_run(prog, inputs)
    tvalue, tgrads = torch_grads(lambda *ts: run_program(torch_backend(torch), prog, list(ts)),
                                 *inputs)
    assert value == pytest.approx(tvalue, rel=1e-12)
    for i, (g, tg) in enumerate(zip(grads, tgrads, strict=True)):
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-12, err_msg=f"{prog} input {i}")


@pytest.mark.parametrize("seed", range(12))
def test_compose_scalar_path_matches_one_element_tensors(seed: int) -> None:
    prog = make_program(100 + seed, len(SCALAR_INPUTS))
    value, grads = micrograd_run(prog, SCALAR_INPUTS)
    tvalue, tgrads = micrograd_run(prog, [np.array([x]) for x in SCALAR_INPUTS])
    assert tvalue == pytest.approx(value, rel=1e-13)
    for g, tg in zip(grads, tgrads, strict=True):
        assert type(g) is float and tg.shape == (1,)
        assert tg[0] == pytest.approx(g, rel=1e-12, abs=1e-15)


def test_compose_programs_use_every_step_kind() -> None:
    """The seeded programs above exercise every unary and binary step at least once."""
    used = {s[1] for seed in range(12) for s in make_program(100 + seed, 3)}
    assert used == set(UNARY) | set(BINARY)
