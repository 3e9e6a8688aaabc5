"""The live report page (micrograd_nn.report), checked without a browser: the snapshot
recorder, the page's contents against Python's numbers, bad input, atomic writes."""

from __future__ import annotations

import html
import json
import math
import os
import re
import shutil

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from micrograd_nn.data import two_moons, xor  # noqa: E402
from micrograd_nn.explain import explain  # noqa: E402
from micrograd_nn.neurons import NeuronNet  # noqa: E402
from micrograd_nn.notation import lr_for  # noqa: E402
from micrograd_nn.nn import MLP  # noqa: E402
from micrograd_nn.report import (MAX_SNAPSHOTS, Report, Snapshot, Snapshots,  # noqa: E402
                                 build_report, log_epochs, write_report)
from micrograd_nn.train import fit  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def _xor_run(model=None, epochs=3000, max_snapshots=40):
    """The demo's run: the article's XOR net with bias, stochastic, E = 0.7, α = 0.3."""
    X, y = xor()
    model = model or MLP(2, [2], 1, seed=0)
    snaps = Snapshots(model, max_snapshots=max_snapshots)
    h = fit(model, X, y, loss="mse", lr=0.35, momentum=0.3, epochs=epochs, batch_size=1,
            seed=0, target_error=0.01, callbacks=[snaps], verbose=0)
    return model, h, snaps, X, y


@pytest.fixture(scope="module")
def xor_run():
    return _xor_run()


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def _lines(page: str) -> list[str]:
    divs = re.findall(r'<div class="xl[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return [html.unescape(d).replace("\xa0", "") for d in divs]


# ---------------------------------------------------------------- snapshots
@pytest.mark.parametrize("total,n", [(10_000, 38), (3000, 38), (50, 38), (37, 38), (5, 3),
                                     (100, 98), (1, 2)])
def test_log_epochs_are_distinct_sorted_and_span_the_run(total, n):
    ep = log_epochs(total, n)
    assert ep[0] == 0 and ep[-1] == total
    assert len(ep) == min(n, total + 1)
    assert all(b > a for a, b in zip(ep, ep[1:], strict=False))


def test_log_epochs_are_log_spaced():
    ep = log_epochs(10_000, 38)
    ratios = [b / a for a, b in zip(ep[1:], ep[2:], strict=False) if a >= 20]
    assert max(ratios) / min(ratios) < 1.3  # the same factor from one to the next


def test_a_10000_epoch_run_keeps_a_bounded_number_with_first_last_and_best():
    net = MLP(2, [3], 1, seed=0)
    snaps = Snapshots(net, max_snapshots=40)
    snaps.on_train_begin({"epochs": 10_000})
    w = net.parameters()[0]
    for epoch in range(1, 10_001):
        w.data[0, 0] = epoch  # makes each epoch's copy tell which epoch it is
        loss = abs(epoch - 4321) / 1000 + 0.5  # the best epoch: 4321, not a planned one
        snaps.on_epoch_end(epoch, {"loss": loss, "val_loss": None})
    items = snaps.items()
    epochs = [s.epoch for s in items]
    assert len(items) <= 40 and len(snaps) == len(items)
    assert epochs[0] == 0 and epochs[-1] == 10_000 and 4321 in epochs
    assert epochs == sorted(set(epochs))
    for s in items[1:]:
        assert s.weights[0] == s.epoch
    assert sum(s.weights.nbytes for s in items) < 40 * 13 * 8 + 1


def test_best_follows_the_validation_loss_and_an_early_stop_is_the_last():
    net = MLP(2, [2], 1, seed=0)
    snaps = Snapshots(net, max_snapshots=10)
    snaps.on_train_begin({"epochs": 1000})
    for epoch in range(1, 318):
        snaps.on_epoch_end(epoch, {"loss": 1 / epoch, "val_loss": abs(epoch - 200) + 1.0})
    epochs = [s.epoch for s in snaps.items()]
    assert 200 in epochs and epochs[-1] == 317 and len(epochs) <= 10


def test_snapshots_in_fit_hold_the_weights_of_their_epochs(xor_run):
    model, h, snaps, _, _ = xor_run
    first = MLP(2, [2], 1, seed=0)
    items = snaps.items()
    assert items[0].epoch == 0
    np.testing.assert_array_equal(items[0].weights,
                                  np.concatenate([p.data.ravel() for p in first.parameters()]))
    assert items[-1].epoch == h.epochs and h.stop_reason == "target_error"
    np.testing.assert_array_equal(items[-1].weights,
                                  np.concatenate([p.data.ravel() for p in model.parameters()]))
    for s in items[1:]:
        assert s.loss == h.loss[s.epoch - 1]
    assert snaps.history is h


def test_snapshots_take_a_bounded_count():
    net = MLP(2, [2], 1)
    with pytest.raises(ValueError, match="max_snapshots"):
        Snapshots(net, max_snapshots=MAX_SNAPSHOTS + 1)
    with pytest.raises(ValueError, match="max_snapshots"):
        Snapshots(net, max_snapshots=2)
    with pytest.raises(TypeError, match="parameters"):
        Snapshots(object())


# ---------------------------------------------------------------- the page
@needs_dot
def test_the_xor_page_is_self_contained_and_small(xor_run, tmp_path):
    model, h, snaps, X, y = xor_run
    rep = write_report(tmp_path / "run.html", model, h, X, y, snapshots=snaps, sample=2)
    page = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert rep.path == tmp_path / "run.html" and rep.html == page
    assert rep.nbytes <= 3_000_000
    assert "default-src 'none'" in page
    # nothing is fetched: every src/href is a data: URI or a fragment, no @import/url(http)
    refs = re.findall(r'\b(?:src|href|xlink:href)\s*=\s*"([^"]*)"', page)
    assert refs and all(r.startswith(("data:", "#")) for r in refs), set(refs) - {""}
    assert not re.search(r"@import|url\((?!#)", page)
    assert not re.search(r"<(?:link|iframe|object|embed)\b", page)
    assert "@@" not in page.replace("@@DATA", "")


@needs_dot
def test_the_page_data_are_python_s_numbers(xor_run):
    model, h, snaps, X, y = xor_run
    data = _data(build_report(model, h, X, y, snapshots=snaps).html)
    items = snaps.items()
    assert [s["epoch"] for s in data["snapshots"]] == [s.epoch for s in items]
    for got, want in zip(data["snapshots"], items, strict=True):
        assert got["w"] == want.weights.tolist()
    assert data["snapshots"][0]["loss"] == h.initial_loss
    assert data["names"] == [f"w{i}" for i in range(1, 10)]
    assert data["links"][:2] == ["I1 → H1", "I1 → H2"] and data["links"][4] == "B1 → H1"
    assert "best" in data["snapshots"][-1]["tags"] and "first" in data["snapshots"][0]["tags"]
    assert len(data["frames"]) == len(items)
    assert all(f.startswith("data:image/png;base64,") for f in data["frames"])
    assert len(data["cursor"]["x"]) == len(items)
    assert data["cursor"]["x"] == sorted(data["cursor"]["x"])


@needs_dot
def test_the_notation_is_what_explain_prints(xor_run):
    model, h, snaps, X, y = xor_run
    page = build_report(model, h, X, y, snapshots=snaps, sample=2).html
    assert _lines(page) == explain(model, X[2], y[2], lr=0.7, momentum=0.3).split("\n")
    page = build_report(model, h, X, y, sample=1, E=0.5, alpha=0.9, digits=3).html
    assert _lines(page) == explain(model, X[1], y[1], lr=0.5, momentum=0.9,
                                   digits=3).split("\n")


@needs_dot
def test_the_stepper_steps_every_value_then_every_gradient(xor_run):
    model, h, snaps, X, y = xor_run
    steps = _data(build_report(model, h, X, y, snapshots=snaps).html)["stepper"]
    kinds = [s["p"] for s in steps["steps"]]
    nf, nb = kinds.count("f"), kinds.count("b")
    assert kinds == ["f"] * nf + ["b"] * nb + ["u"]
    nodes = steps["nodes"]
    assert nf == sum(bool(n["op"]) for n in nodes.values())
    assert nb == sum(n["grad"] is not None for n in nodes.values())
    assert steps["steps"][nf - 1]["n"] == steps["steps"][nf]["n"] == "v0"  # the root E
    weights = {n["label"]: n for n in nodes.values() if re.fullmatch(r"w\d+", n["label"])}
    assert sorted(weights, key=lambda s: int(s[1:])) == [f"w{i}" for i in range(1, 10)]


@needs_dot
def test_a_neuron_net_works_and_its_graph_is_per_synapse(tmp_path):
    net = NeuronNet(2, [2], 1, seed=1)
    model, h, snaps, X, y = _xor_run(net, epochs=60)
    rep = write_report(tmp_path / "n.html", model, h, X, y, snapshots=snaps)
    data = _data(rep.html)
    assert data["stepper"]["form"] == "neurons"
    assert data["snapshots"][-1]["w"] == [s.weight.data for s in net.synapses]
    assert "w1: " in rep.html  # draw_network names a NeuronNet's synapses


@needs_dot
def test_tensor_graph_and_non_sigmoid_networks(tmp_path):
    X, y = two_moons(n=60, noise=0.2, seed=0)
    net = MLP(2, [8], 1, activation="tanh", seed=0)
    h = fit(net, X, y, lr=2.0, momentum=0.9, epochs=30, batch_size=None, verbose=0,
            validation_split=0.25, seed=0)
    rep = build_report(net, h, X, y, graph="tensors")
    data = _data(rep.html)
    assert data["stepper"]["form"] == "tensors"
    labels = {n["label"] for n in data["stepper"]["nodes"].values()}
    assert {"W1", "b1", "W2", "b2", "layer 1 in", "layer 1 out"} <= labels
    assert "for sigmoid neurons" in rep.html and not _lines(rep.html)  # explain: sigmoid only
    assert data["snapshots"][-1]["val"] == pytest.approx(h.val_loss[-1])
    with pytest.raises(ValueError, match="graph must be"):
        build_report(net, h, X, y, graph="dense")


@needs_dot
def test_jupyter_shows_the_page_in_an_iframe(xor_run):
    model, h, snaps, X, y = xor_run
    rep = build_report(model, h, X, y, snapshots=snaps)
    frame = rep._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"") and "src=" not in frame.replace("srcdoc=", "")
    srcdoc = re.match(r'<iframe srcdoc="([^"]*)"', frame).group(1)
    assert html.unescape(srcdoc) == rep.html
    assert isinstance(rep, Report) and "bytes" in repr(rep)


def test_a_two_moons_run_of_500_epochs_stays_under_10_mb(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is missing")
    X, y = two_moons(n=200, noise=0.2, seed=0)
    net = MLP(2, [8], 1, activation="tanh", seed=0)
    snaps = Snapshots(net)
    h = fit(net, X, y, lr=2.0, momentum=0.9, epochs=500, batch_size=None, seed=0,
            validation_split=0.25, callbacks=[snaps], verbose=0)
    rep = write_report(tmp_path / "moons.html", net, h, X, y, snapshots=snaps)
    assert h.epochs == 500 and len(snaps) <= 40
    assert os.path.getsize(tmp_path / "moons.html") == rep.nbytes <= 10_000_000


# ---------------------------------------------------------------- bad input
def test_a_missing_folder_is_refused_before_any_work(xor_run, tmp_path, monkeypatch):
    model, h, snaps, X, y = xor_run
    import micrograd_nn.report as report

    monkeypatch.setattr(report, "build_report", lambda *a, **k: pytest.fail("built"))
    with pytest.raises(ValueError, match="does not exist"):
        write_report(tmp_path / "nope" / "run.html", model, h, X, y, snapshots=snaps)
    with pytest.raises(ValueError, match="is a folder"):
        write_report(tmp_path, model, h, X, y, snapshots=snaps)
    assert not (tmp_path / "nope").exists()


def test_a_model_that_is_not_the_run_s_is_refused(xor_run, tmp_path):
    model, h, snaps, X, y = xor_run
    other = MLP(2, [3], 1, seed=0)  # same layer names, other shapes
    with pytest.raises(ValueError, match="do not match"):
        write_report(tmp_path / "r.html", other, h, X, y, snapshots=snaps)
    with pytest.raises(ValueError, match="do not match"):  # two outputs: history says one
        write_report(tmp_path / "r.html", MLP(2, [2], 2), h, X, np.c_[y, y])
    with pytest.raises(ValueError, match="do not match"):  # three layers: history says two
        write_report(tmp_path / "r.html", MLP(2, [2, 2], 1), h, X, y)
    _, h2, snaps2, _, _ = _xor_run(MLP(2, [2], 1, seed=5), epochs=40)
    with pytest.raises(ValueError, match="different runs"):
        write_report(tmp_path / "r.html", model, h2, X, y, snapshots=snaps)
    with pytest.raises(ValueError, match="sample"):
        write_report(tmp_path / "r.html", model, h, X, y, snapshots=snaps, sample=4)
    with pytest.raises(ValueError, match="shape"):
        write_report(tmp_path / "r.html", model, h, X[:, :1], y, snapshots=snaps)
    assert list(tmp_path.iterdir()) == []


def test_too_many_snapshots_are_refused(xor_run, tmp_path):
    model, h, _, X, y = xor_run
    w = np.concatenate([p.data.ravel() for p in model.parameters()])
    many = [Snapshot(0, w.copy())] * (MAX_SNAPSHOTS + 1)
    with pytest.raises(ValueError, match=f"at most {MAX_SNAPSHOTS}"):
        write_report(tmp_path / "r.html", model, h, X, y, snapshots=many)
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_the_write_is_atomic(xor_run, tmp_path, monkeypatch):
    model, h, snaps, X, y = xor_run
    target = tmp_path / "run.html"
    target.write_text("the old report", encoding="utf-8")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_report(target, model, h, X, y, snapshots=snaps)
    assert target.read_text(encoding="utf-8") == "the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["run.html"]  # no temporary file left
    monkeypatch.undo()
    write_report(target, model, h, X, y, snapshots=snaps)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_non_finite_weights_are_written_as_null(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is missing")
    X, y = xor()
    net = MLP(2, [2], 1, seed=0)
    snaps = Snapshots(net, max_snapshots=5)
    with np.errstate(all="ignore"):
        h = fit(net, X, y, lr=1e6, epochs=20, batch_size=1, callbacks=[snaps], verbose=0)
        net.parameters()[0].data[0, 0] = math.nan
        snaps.on_epoch_end(h.epochs, {"loss": h.loss[-1], "val_loss": None})
        rep = build_report(net, h, X, y, snapshots=snaps)
    assert None in _data(rep.html)["snapshots"][-1]["w"]


@needs_dot
def test_a_sequential_of_linear_and_activations_works(tmp_path):
    from micrograd_nn.nn import Linear, Sequential, Sigmoid

    X, y = xor()
    net = Sequential(Linear(2, 3, seed=0), Sigmoid(), Linear(3, 1, seed=1), Sigmoid())
    snaps = Snapshots(net, max_snapshots=8)
    h = fit(net, X, y, lr=0.5, momentum=0.9, epochs=50, batch_size=1, callbacks=[snaps],
            verbose=0, seed=0)
    rep = write_report(tmp_path / "seq.html", net, h, X, y, snapshots=snaps)
    data = _data(rep.html)
    assert len(data["names"]) == 13 and len(data["snapshots"]) == len(snaps) <= 8
    assert _lines(rep.html) == explain(net, X[0], y[0], lr=0.5 / lr_for(1.0),
                                       momentum=0.9).split("\n")


def test_a_network_too_big_to_show_is_refused(tmp_path):
    X = np.zeros((3, 80))
    net = MLP(80, [70], 1)
    h = fit(net, X, np.zeros((3, 1)), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="at most 5,000"):
        write_report(tmp_path / "big.html", net, h, X, np.zeros((3, 1)))
    assert not (tmp_path / "big.html").exists()
