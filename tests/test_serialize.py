"""Tests for micrograd_nn.serialize: round trips and clear errors on bad files."""

from __future__ import annotations

import hashlib
import io
import json
import os
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
    assert meta["format"] == "micrograd_nn" and meta["version"] == 2
    assert meta["config"] == model.config()
    assert meta["weights"] == "net.npz" and meta["buffers"] == []
    assert meta["weights_sha256"] == hashlib.sha256(npath.read_bytes()).hexdigest()
    assert [d["name"] for d in meta["parameters"]] == ["0.weight", "0.bias", "2.weight",
                                                       "2.bias"]
    assert meta["parameters"][0]["shape"] == [3, 4]
    with np.load(npath, allow_pickle=False) as z:
        assert sorted(z.files) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        np.testing.assert_array_equal(z["0.weight"], model[0].weight.data)
    assert sorted(os.listdir(tmp_path)) == ["net.json", "net.npz"]


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


def _write_with_checksum(jpath, npath, data, edit=None):
    """Replace the weights file's bytes and keep the JSON's checksum matching them."""
    npath.write_bytes(data)
    meta = json.loads(jpath.read_text())
    meta["weights_sha256"] = hashlib.sha256(data).hexdigest()
    if edit:
        edit(meta)
    jpath.write_text(json.dumps(meta))


def test_missing_checksum_is_an_error(tmp_path):
    _, jpath, _ = _saved(tmp_path)
    meta = json.loads(jpath.read_text())
    del meta["weights_sha256"]
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"net\.json has no 'weights_sha256' entry"):
        load(tmp_path / "net")


def test_corrupt_npz_with_a_matching_checksum(tmp_path):
    _, jpath, npath = _saved(tmp_path)
    _write_with_checksum(jpath, npath, b"not a zip file at all")
    with pytest.raises(ValueError, match=r"cannot read .*net\.npz as \.npz"):
        load(tmp_path / "net")


def test_pickled_object_array_is_refused(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    sd = model.state_dict()
    sd["0.weight"] = np.array([{"evil": 1}] * 12, dtype=object).reshape(3, 4)
    np.savez(npath, **sd)  # right names and shapes: only the pickle refusal can stop it
    _write_with_checksum(jpath, npath, npath.read_bytes())
    with pytest.raises(ValueError, match=r"cannot read .*net\.npz.*allow_pickle=False"):
        load(tmp_path / "net")


def _swap_weights(tmp_path, jpath, npath, arrays):
    """Replace the npz (the JSON's checksum follows, its listing does not)."""
    with zipfile.ZipFile(npath, "w") as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w") as f:
                np.lib.format.write_array(f, arr)
    _write_with_checksum(jpath, npath, npath.read_bytes())
    return json.loads(jpath.read_text())


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
    with pytest.raises(ValueError, match=r"net\.json: the weights do not fit the config "
                                         r"\('0.weight': shape \(3, 4\) in the file, shape "
                                         r"\(3, 5\) in the config"):
        load(tmp_path / "net")
    # load_into checks the model it is given instead
    with pytest.raises(ValueError, match=r"net\.npz does not fit MLP: .*'0.weight' has shape "
                                         r"\(3, 4\) but the model's parameter has shape \(3, 5\)"):
        load_into(MLP(3, [5], 2), tmp_path / "net")


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
    meta["parameters"][0] = {"shape": [3, 4]}
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"malformed 'parameters' list \(entry 0, "):
        load(tmp_path / "net")
    meta["parameters"] = meta["parameters"][1:]
    jpath.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="it describes 4 arrays, the file lists 3"):
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


# ---------------------------------------------------------------- file names, old files


def test_resave_alternates_weights_files_and_leaves_no_others(tmp_path):
    models = [MLP(3, [4], 2, seed=s) for s in range(3)]
    names = []
    for m in models:
        jpath, wpath = save(m, tmp_path / "net")
        assert json.loads(jpath.read_text())["weights"] == wpath.name
        assert sorted(os.listdir(tmp_path)) == sorted(["net.json", wpath.name])
        np.testing.assert_array_equal(load(tmp_path / "net")(X).data, m(X).data)
        names.append(wpath.name)
    # net.npz while it is free; a fresh name while net.npz holds the model being replaced
    assert names[0] == names[2] == "net.npz"
    assert names[1].startswith("net.") and len(names[1]) == len("net.0123abcd.npz")


def _write_version1(model, base):
    """A pair exactly as version 1 of save wrote it."""
    arrays = {n: np.asarray(p.data) for n, p in model.named_parameters()}
    npath = base.with_name(base.name + ".npz")
    with zipfile.ZipFile(npath, "w") as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arr, allow_pickle=False)
    meta = {"format": "micrograd_nn", "version": 1, "config": model.config(),
            "parameters": [{"name": n, "shape": list(a.shape), "dtype": str(a.dtype)}
                           for n, a in arrays.items()],
            "weights": npath.name,
            "weights_sha256": hashlib.sha256(npath.read_bytes()).hexdigest()}
    base.with_name(base.name + ".json").write_text(json.dumps(meta, indent=2))


def test_version1_files_still_load_and_are_replaced_cleanly(tmp_path):
    old = MLP(3, [4], 2, seed=0)
    _write_version1(old, tmp_path / "net")
    np.testing.assert_array_equal(load(tmp_path / "net")(X).data, old(X).data)
    np.testing.assert_array_equal(load_into(MLP(3, [4], 2), tmp_path / "net.json")(X).data,
                                  old(X).data)
    new = MLP(3, [4], 2, seed=1)
    _, wpath = save(new, tmp_path / "net")
    assert sorted(os.listdir(tmp_path)) == sorted(["net.json", wpath.name])
    np.testing.assert_array_equal(load(tmp_path / "net")(X).data, new(X).data)


def test_renamed_version1_pair_loads(tmp_path):
    # version 1 ignored "weights" and used the sibling .npz: renaming both files worked
    old = MLP(3, [4], 2, seed=0)
    _write_version1(old, tmp_path / "net")
    for suffix in (".json", ".npz"):
        (tmp_path / f"net{suffix}").rename(tmp_path / f"other{suffix}")
    np.testing.assert_array_equal(load(tmp_path / "other")(X).data, old(X).data)


def test_weights_name_must_stay_in_the_folder(tmp_path):
    _, jpath, npath = _saved(tmp_path)
    (tmp_path / "sub").mkdir()
    npath.rename(tmp_path / "sub" / "net.npz")
    for name in ("sub/net.npz", "../net.npz", str(tmp_path / "sub" / "net.npz"), 3, "net.json"):
        meta = json.loads(jpath.read_text())
        meta["weights"] = name
        jpath.write_text(json.dumps(meta))
        with pytest.raises(ValueError, match=r"net\.json names the weights file .* it must be "
                                             r"a \.npz file name in the same folder"):
            load(tmp_path / "net")


# ---------------------------------------------------------------- NaN/inf


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_weights_are_refused_before_touching_files(tmp_path, bad):
    good = MLP(3, [4], 2, seed=0)
    save(good, tmp_path / "net")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = MLP(3, [4], 2, seed=1)
    broken[2].weight.data[1, 0] = bad
    with pytest.raises(ValueError, match=r"save: parameter '2.weight' holds NaN/inf \(1 of 8 "
                                         r"values\); .*net\.json was not written.*pass "
                                         r"allow_nonfinite=True to save anyway"):
        save(broken, tmp_path / "net")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    np.testing.assert_array_equal(load(tmp_path / "net")(X).data, good(X).data)
    with pytest.raises(ValueError, match="NaN/inf"):  # no folder made for a new model
        save(broken, tmp_path / "new" / "net")
    assert not (tmp_path / "new").exists()


def test_nonfinite_weights_saved_on_request(tmp_path):
    net = NeuronNet.article_xor()
    net.synapse("w3").weight.data = float("nan")
    with pytest.raises(ValueError, match="parameter 'w3' holds NaN/inf"):
        save(net, tmp_path / "xor")
    save(net, tmp_path / "xor", allow_nonfinite=True)
    back = load(tmp_path / "xor")
    assert np.isnan(back.synapse("w3").weight.data)
    assert back.synapse("w1").weight.data == 0.45


# ---------------------------------------------------------------- odd weights files


def test_zip_of_raw_bytes_is_a_clean_error(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, arr in model.state_dict().items():
            zf.writestr(name + ".npy", arr.tobytes())  # no .npy header
    _write_with_checksum(jpath, npath, buf.getvalue())
    with pytest.raises(ValueError, match=r"cannot read .*net\.npz as \.npz: '0\.weight' is "
                                         r"not a \.npy array"):
        load(tmp_path / "net")


def test_bare_npy_instead_of_npz_is_a_clean_error(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    buf = io.BytesIO()
    np.save(buf, model[0].weight.data)
    _write_with_checksum(jpath, npath, buf.getvalue())
    with pytest.raises(ValueError, match=r"cannot read .*net\.npz as \.npz: it is not a \.npz "
                                         r"\(zip\) archive"):
        load(tmp_path / "net")


def test_compressed_members_are_refused(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    np.savez_compressed(npath, **model.state_dict())
    _write_with_checksum(jpath, npath, npath.read_bytes())
    with pytest.raises(ValueError, match=r"net\.npz as \.npz: its members are compressed"):
        load(tmp_path / "net")


def test_fortran_order_and_big_endian_arrays_load(tmp_path):
    model, jpath, npath = _saved(tmp_path)
    sd = model.state_dict()
    sd["0.weight"] = np.asfortranarray(sd["0.weight"])
    sd["2.weight"] = sd["2.weight"].astype(">f8")
    _swap_weights(tmp_path, jpath, npath, sd)
    meta = json.loads(jpath.read_text())
    meta["parameters"][2]["dtype"] = ">f8"
    jpath.write_text(json.dumps(meta))
    np.testing.assert_array_equal(load(tmp_path / "net")(X).data, model(X).data)


def test_listing_entries_are_checked(tmp_path):
    _, jpath, _ = _saved(tmp_path)
    for bad in ({"name": "0.weight", "shape": [3, -4], "dtype": "float64"},
                {"name": "0.weight", "shape": [3, 4], "dtype": "object"},
                {"name": "0.weight", "shape": [3, 4], "dtype": "f8,f8"},
                {"name": "0.weight", "shape": [3, 4.0], "dtype": "float64"},
                {"name": "0.bias", "shape": [4], "dtype": "float64"},  # a repeated name
                ["0.weight", [3, 4], "float64"]):
        meta = json.loads(jpath.read_text())
        meta["parameters"][0 if not isinstance(bad, dict) or bad["name"] != "0.bias"
                           else 2] = bad
        jpath.write_text(json.dumps(meta))
        with pytest.raises(ValueError, match=r"net\.json has a malformed 'parameters' list"):
            load(tmp_path / "net")


def test_save_refuses_what_load_would_refuse_before_touching_files(tmp_path):
    class Net(Module):
        def __init__(self, name="w", note=""):
            super().__init__()
            setattr(self, name, Value(1.0))
            self.note = note

        def config(self):
            return {"type": "Net", "note": self.note}

    with pytest.raises(ValueError, match="names over 256 characters.*load would refuse"):
        save(Net(name="w" * 300), tmp_path / "a")
    with pytest.raises(ValueError, match=r"a\.json not written: its JSON is larger than 4 MiB"):
        save(Net(note="x" * (5 << 20)), tmp_path / "a")
    assert list(tmp_path.iterdir()) == []
    save(Net(), tmp_path / "a")
    assert load_into(Net(), tmp_path / "a").w.data == 1.0
