"""Buffers: constants held by modules (Values without requires_grad, arrays) that are
not parameters but are part of the model's state, saved and loaded with it."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from micrograd_nn import Value, no_grad
from micrograd_nn.nn import MLP, Linear, Module, Sequential, Tanh
from micrograd_nn.optim import SGD
from micrograd_nn.serialize import load, load_into, save
from micrograd_nn.viz import draw_graph

X = np.random.default_rng(0).normal(size=(4, 3))


class Scaled(Module):
    """A layer with a parameter, a constant Value and a registered array."""

    def __init__(self, seed=0):
        super().__init__()
        self.lin = Linear(3, 2, seed=seed)
        self.offset = Value(np.array([0.5, -0.5]), "offset", requires_grad=False)
        self.register_buffer("scale", np.array([2.0, 3.0]))
        self.register_buffer("steps", np.array(0, dtype=np.int64))

    def forward(self, x):
        return self.lin(x) * self.scale + self.offset

    def config(self):
        return {"type": "Scaled"}


def test_constant_value_is_a_buffer_not_a_parameter():
    m = Scaled()
    assert [n for n, _ in m.named_parameters()] == ["lin.weight", "lin.bias"]
    assert [n for n, _ in m.named_buffers()] == ["offset", "scale", "steps"]
    assert m.buffers()[0] is m.offset and m.buffers()[1] is m.scale
    assert all(p.requires_grad for p in m.parameters())


def test_sgd_takes_the_parameters_and_leaves_buffers_alone():
    m = Scaled()
    opt = SGD(m.parameters(), lr=0.1)  # raised on a requires_grad=False "parameter"
    before = m.lin.weight.data.copy()
    m(X).sum().backward()
    opt.step()
    assert not np.array_equal(m.lin.weight.data, before)
    np.testing.assert_array_equal(m.offset.data, [0.5, -0.5])
    np.testing.assert_array_equal(m.scale, [2.0, 3.0])
    m.zero_grad()
    assert not m.offset.has_grad


def test_requires_grad_moves_a_value_between_the_lists():
    m = Scaled()
    m.offset.requires_grad = True
    assert "offset" in dict(m.named_parameters()) and "offset" not in dict(m.named_buffers())
    m.lin.bias.requires_grad = False  # frozen: a constant of the model now
    assert [n for n, _ in m.named_parameters()] == ["offset", "lin.weight"]
    assert [n for n, _ in m.named_buffers()] == ["scale", "steps", "lin.bias"]


def test_values_made_under_no_grad_are_buffers():
    class Net(Module):
        def __init__(self):
            super().__init__()
            with no_grad():
                self.c = Value(1.0)
            self.w = Value(2.0)

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["w"]
    assert [n for n, _ in net.named_buffers()] == ["c"]


def test_array_attribute_is_a_buffer_and_reassigning_or_deleting_updates_it():
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.mask = np.ones(3)
            self.child = Sequential(Linear(3, 3, seed=0), Tanh())

    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["mask"]
    net.child[0].register_buffer("mean", [0.0, 1.0, 2.0])
    assert [n for n, _ in net.named_buffers()] == ["mask", "child.0.mean"]
    assert isinstance(net.child[0].mean, np.ndarray)
    net.mask = None
    del net.child[0].mean
    assert net.named_buffers() == []


def test_shared_buffer_is_listed_once():
    shared = np.zeros(2)
    a, b = Module(), Module()
    a.register_buffer("z", shared)
    b.register_buffer("z", shared)
    seq = Sequential(a, b)
    assert [n for n, _ in seq.named_buffers()] == ["0.z"]


def test_register_buffer_errors():
    m = Module()
    with pytest.raises(TypeError, match=r"'w' is a Value with requires_grad=True"):
        m.register_buffer("w", Value(1.0))
    with pytest.raises(TypeError, match=r"'s' has dtype <U1; a buffer holds numbers"):
        m.register_buffer("s", ["a"])
    with pytest.raises(ValueError, match="must be an identifier"):
        m.register_buffer("a.b", np.zeros(1))
    m.child = Module()
    with pytest.raises(ValueError, match="already an attribute or a child module"):
        m.register_buffer("child", np.zeros(1))
    with pytest.raises(ValueError, match="'forward' is already an attribute"):
        m.register_buffer("forward", np.zeros(1))
    m.register_buffer("z", np.zeros(1))
    m.register_buffer("z", np.ones(2))  # a buffer may be replaced
    np.testing.assert_array_equal(m.z, [1.0, 1.0])


def test_state_dict_holds_buffers_after_parameters_as_copies():
    m = Scaled()
    sd = m.state_dict()
    assert list(sd) == ["lin.weight", "lin.bias", "offset", "scale", "steps"]
    sd["scale"][0] = 99.0
    sd["offset"][0] = 99.0
    assert m.scale[0] == 2.0 and m.offset.data[0] == 0.5


def test_load_state_dict_restores_buffers_in_place():
    src, dst = Scaled(seed=0), Scaled(seed=1)
    src.scale[:] = [5.0, 7.0]
    src.offset.data = np.array([1.0, 2.0])
    src.steps[...] = 12
    scale = dst.scale
    dst.load_state_dict(src.state_dict())
    assert dst.scale is scale  # written in place, so sharing survives
    np.testing.assert_array_equal(dst.scale, [5.0, 7.0])
    np.testing.assert_array_equal(dst.offset.data, [1.0, 2.0])
    assert dst.steps == 12 and dst.steps.dtype == np.int64
    np.testing.assert_array_equal(dst(X).data, src(X).data)


def test_load_state_dict_checks_buffers():
    m = Scaled()
    sd = m.state_dict()
    sd["scale"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"'scale' has shape \(3,\) but the model's buffer "
                                         r"has shape \(2,\)"):
        m.load_state_dict(sd)
    sd = m.state_dict()
    del sd["steps"]
    with pytest.raises(ValueError, match=r"missing \['steps'\]"):
        m.load_state_dict(sd)


def test_read_only_array_buffer_is_replaced():
    m = Module()
    ro = np.zeros(2)
    ro.flags.writeable = False
    m.register_buffer("ro", ro)
    m.load_state_dict({"ro": np.array([1.0, 2.0])})
    np.testing.assert_array_equal(m.ro, [1.0, 2.0])
    assert [n for n, _ in m.named_buffers()] == ["ro"]


def test_save_and_load_into_keep_buffers(tmp_path):
    src = Scaled(seed=0)
    src.scale[:] = [5.0, 7.0]
    src.steps[...] = 3
    jpath, wpath = save(src, tmp_path / "m")
    meta = json.loads(jpath.read_text())
    assert [d["name"] for d in meta["parameters"]] == ["lin.weight", "lin.bias"]
    assert meta["buffers"] == [{"name": "offset", "shape": [2], "dtype": "float64"},
                               {"name": "scale", "shape": [2], "dtype": "float64"},
                               {"name": "steps", "shape": [], "dtype": "int64"}]
    with np.load(wpath) as z:
        assert sorted(z.files) == ["lin.bias", "lin.weight", "offset", "scale", "steps"]
    dst = load_into(Scaled(seed=1), tmp_path / "m")
    np.testing.assert_array_equal(dst(X).data, src(X).data)
    assert dst.steps == 3
    with pytest.raises(ValueError, match="unknown or malformed module config"):
        load(tmp_path / "m")  # load builds only the library's layers


def test_buffers_listed_for_a_layer_without_them_are_refused(tmp_path):
    save(MLP(3, [2], 1, seed=0), tmp_path / "m")
    jpath = tmp_path / "m.json"
    meta = json.loads(jpath.read_text())
    meta["buffers"] = [{"name": "0.weight", "shape": [3, 2], "dtype": "float64"}]
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="it describes 4 arrays, the file lists 5"):
        load(tmp_path / "m")
    with pytest.raises(ValueError, match="lists a name twice"):
        load_into(MLP(3, [2], 1), tmp_path / "m")


def test_nonfinite_buffers_are_saved(tmp_path):
    # -inf is a normal mask value; only parameters are checked for NaN/inf
    m = Scaled()
    m.scale[1] = -np.inf
    save(m, tmp_path / "m")
    m2 = load_into(Scaled(seed=1), tmp_path / "m")
    np.testing.assert_array_equal(m2.scale, [2.0, -np.inf])


def _node(g, label):
    for line in g.source.splitlines():
        if re.search(rf"<B>{label}</B>", line):
            return line
    raise AssertionError(f"no node labelled {label} in the drawing")


def test_drawings_show_buffers_as_constants():
    m = Scaled()
    g = draw_graph(m(X).sum())
    assert "dashed" in _node(g, "offset") and "bold" not in _node(g, "offset")
    assert "bold" in _node(g, "weight")
    # the array buffer is a plain operand: drawn as a dashed constant node
    assert re.search(r'c\d+_\d+ \[label=<.*\(2,\) float64.*style="filled,dashed"', g.source)
