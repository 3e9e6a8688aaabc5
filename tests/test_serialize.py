"""Tests for micrograd_nn.serialize: round trips and clear errors on bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.nn import MLP, Linear, Module, ReLU, Sequential
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.serialize import load, load_into, paths, save

X = np.random.default_rng(0).normal(size=(5, 3))


def _saved(tmp_path, model=None):
    model = model or MLP(3, [4], 2, seed=0)
    save(model, tmp_path / "net")
    return model, tmp_path / "net.json", tmp_path / "net.npz"


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("model", [
    MLP(3, [4, 3], 2, activation="relu", output_activation=None, bias=[True, False, True],
        seed=1),
    MLP(3, [5], 1, seed=2, dtype=np.float32),
    Sequential(Linear(3, 2, seed=3, init="he"), ReLU(), Linear(2, 2, bias=False, seed=4)),
    Linear(3, 6, seed=5),
], ids=["mlp", "mlp-float32", "sequential", "linear"])
def test_roundtrip_outputs_identical(tmp_path, model):
    save(model, tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert type(loaded) is type(model)
    assert loaded.config() == model.config()
    x = X.astype(model.parameters()[0].dtype)
    np.testing.assert_array_equal(loaded(x).data, model(x).data)
    for (n1, p1), (n2, p2) in zip(model.named_parameters(), loaded.named_parameters(),
                                  strict=True):
        assert n1 == n2 and p1.data.dtype == p2.data.dtype and p1 is not p2


def test_roundtrip_neuronnet(tmp_path):
    net = NeuronNet.article_xor()
    net.synapse("w5").weight.data = 1.563304
    save(net, tmp_path / "xor")
    back = load(tmp_path / "xor")
    assert isinstance(back, NeuronNet)
    assert [(s.name, s.weight.data) for s in back.synapses] == \
        [(s.name, s.weight.data) for s in net.synapses]
    assert back([1.0, 0.0])[0].data == net([1.0, 0.0])[0].data


def test_file_layout(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    assert paths(tmp_path / "net") == (jpath, npath)
    assert paths(tmp_path / "net.json") == (jpath, npath)
    assert paths(str(tmp_path / "net.npz")) == (jpath, npath)
    meta = json.loads(jpath.read_text())
    assert meta["format"] == "micrograd_nn" and meta["version"] == 1
    assert meta["config"] == model.config()
    assert meta["weights"] == "net.npz"
    assert [d["name"] for d in meta["parameters"]] == ["0.weight", "0.bias", "2.weight",
                                                       "2.bias"]
    assert meta["parameters"][0]["shape"] == [3, 4]
    with np.load(npath, allow_pickle=False) as z:
        assert sorted(z.files) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        np.testing.assert_array_equal(z["0.weight"], model[0].weight.data)
    assert not list(tmp_path.glob("*.tmp"))


def test_load_accepts_either_suffix(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    for p in (jpath, npath, str(tmp_path / "net")):
        np.testing.assert_array_equal(load(p)(X).data, model(X).data)


def test_save_overwrites(tmp_path):
    _saved(tmp_path, MLP(3, [2], 1, seed=0))
    m2 = MLP(3, [4], 2, seed=9)
    save(m2, tmp_path / "net")
    np.testing.assert_array_equal(load(tmp_path / "net")(X).data, m2(X).data)


def test_load_into_existing_model(tmp_path):
    model, _, _ = _saved(tmp_path)
    other = MLP(3, [4], 2, seed=42)
    assert load_into(other, tmp_path / "net") is other
    np.testing.assert_array_equal(other(X).data, model(X).data)


def test_load_into_custom_module(tmp_path):
    class Net(Module):
        def __init__(self, seed):
            super().__init__()
            self.body = Linear(3, 2, seed=seed)
            self.scale = Value(2.0)

        def forward(self, x):
            return self.body(x) * self.scale

    src = MLP(3, [4], 2, seed=0)
    save(src, tmp_path / "a")
    with pytest.raises(ValueError, match="does not fit Net"):
        load_into(Net(1), tmp_path / "a")
    with pytest.raises(TypeError, match="Net has no config"):
        save(Net(1), tmp_path / "b")


def test_save_rejects_non_module(tmp_path):
    with pytest.raises(TypeError, match="expected a Module"):
        save({"w": np.ones(2)}, tmp_path / "x")


# ---------------------------------------------------------------- bad files


def test_missing_json(tmp_path):
    with pytest.raises(ValueError, match=r"nothere\.json not found"):
        load(tmp_path / "nothere")


def test_missing_npz(tmp_path):
    _, _, npath = _saved(tmp_path)
    npath.unlink()
    with pytest.raises(ValueError, match=r"weights file .*net\.npz not found"):
        load(tmp_path / "net")


def test_corrupt_json(tmp_path):
    _, jpath, _ = _saved(tmp_path)
    jpath.write_text(jpath.read_text()[:40])
    with pytest.raises(ValueError, match=r"net\.json is not valid JSON"):
        load(tmp_path / "net")


def test_foreign_json(tmp_path):
    _, jpath, _ = _saved(tmp_path)
    jpath.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="not a micrograd_nn model file"):
        load(tmp_path / "net")


def test_future_version(tmp_path):
    _, jpath, _ = _saved(tmp_path)
    meta = json.loads(jpath.read_text())
    meta["version"] = 99
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format version 99"):
        load(tmp_path / "net")


def test_truncated_npz_fails_checksum(tmp_path):
    _, _, npath = _saved(tmp_path)
    data = npath.read_bytes()
    npath.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"net\.npz does not match the checksum"):
        load(tmp_path / "net")


def test_corrupt_npz_without_checksum(tmp_path):
    _, jpath, npath = _saved(tmp_path)
    meta = json.loads(jpath.read_text())
    del meta["weights_sha256"]
    jpath.write_text(json.dumps(meta))
    npath.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match=r"cannot read .*net\.npz as \.npz"):
        load(tmp_path / "net")


def test_pickled_object_array_is_refused(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    meta = json.loads(jpath.read_text())
    del meta["weights_sha256"]
    jpath.write_text(json.dumps(meta))
    sd = model.state_dict()
    sd["0.weight"] = np.array([{"evil": 1}] * 12, dtype=object).reshape(3, 4)
    np.savez(npath, **sd)  # right names and shapes: only the pickle refusal can stop it
    with pytest.raises(ValueError, match=r"cannot read .*net\.npz.*allow_pickle=False"):
        load(tmp_path / "net")


def _swap_weights(tmp_path, jpath, npath, arrays):
    """Replace the npz and keep the JSON's listing and checksum consistent with it."""
    with zipfile.ZipFile(npath, "w") as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w") as f:
                np.lib.format.write_array(f, arr)
    meta = json.loads(jpath.read_text())
    del meta["weights_sha256"]
    return meta


def test_npz_names_differ_from_json(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    sd = model.state_dict()
    sd["9.weight"] = sd.pop("2.weight")
    meta = _swap_weights(tmp_path, jpath, npath, sd)
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"holds .*'9.weight'.* but .*lists"):
        load(tmp_path / "net")


def test_npz_shape_differs_from_json(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    sd = model.state_dict()
    sd["0.weight"] = np.zeros((4, 3))
    meta = _swap_weights(tmp_path, jpath, npath, sd)
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"'0.weight' has shape \(4, 3\).*lists shape \(3, 4\)"):
        load(tmp_path / "net")


def test_weights_do_not_fit_config(tmp_path):
    # consistent files whose config was edited to another architecture
    _, jpath, _ = _saved(tmp_path)
    meta = json.loads(jpath.read_text())
    meta["config"]["hidden"] = [5]
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"net\.npz does not fit MLP: .*'0.weight' has shape "
                                         r"\(3, 4\) but the model's parameter has shape \(3, 5\)"):
        load(tmp_path / "net")


def test_unbuildable_config(tmp_path):
    _, jpath, _ = _saved(tmp_path)
    meta = json.loads(jpath.read_text())
    meta["config"] = {"type": "Transformer"}
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"net\.json has a config that cannot be built"):
        load(tmp_path / "net")


def test_malformed_parameter_list(tmp_path):
    _, jpath, _ = _saved(tmp_path)
    meta = json.loads(jpath.read_text())
    meta["parameters"] = [{"shape": [3, 4]}]
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="malformed 'parameters' list"):
        load(tmp_path / "net")


def test_save_creates_missing_folders(tmp_path):
    model = MLP(3, [2], 1, seed=0)
    jpath, npath = save(model, tmp_path / "runs" / "xor" / "net")
    assert jpath.exists() and npath.exists()
    np.testing.assert_array_equal(load(jpath)(X).data, model(X).data)


def test_float32_model_loads_as_float32_and_into_a_float64_model(tmp_path):
    model = MLP(3, [4], 2, seed=0, dtype=np.float32)
    save(model, tmp_path / "m")
    assert all(p.dtype == np.float32 for p in load(tmp_path / "m").parameters())
    wide = load_into(MLP(3, [4], 2, seed=1), tmp_path / "m")  # cast to the model's dtype
    assert all(p.dtype == np.float64 for p in wide.parameters())
    np.testing.assert_allclose(wide(X).data, model(X.astype(np.float32)).data, rtol=1e-5)


def test_a_folder_is_not_a_save_path(tmp_path):
    from micrograd_nn.nn import MLP
    from micrograd_nn.serialize import save

    net = MLP(2, [2], 1, seed=0)
    for where in (str(tmp_path) + "/", tmp_path):
        with pytest.raises(ValueError, match="is a folder"):
            save(net, where)
    assert not list(tmp_path.parent.glob(tmp_path.name + ".json"))
