"""micrograd_nn.sweep: plans, seeds, executors, faults, results files, the command.

Fast tests only (XOR, a few epochs); the real Dask clusters are in test_sweep_dask.py.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import json
import math
import sys

import numpy as np
import pytest

from micrograd_nn import sweep as sw
from micrograd_nn.data import xor
from micrograd_nn.nn import MLP
from micrograd_nn.train import fit

X, Y = xor()
SPACE = {"lr": [0.3, 1.5], "momentum": [0.0, 0.9], "hidden": [2, [3, 2]]}
FAST = {"epochs": 15}


def _same(a: sw.SweepResult, b: sw.SweepResult) -> None:
    """Equal rows, apart from the seconds each trial took (NaN equal to NaN)."""
    assert len(a.trials) == len(b.trials)
    for ta, tb in zip(a.trials, b.trials, strict=True):
        ka = {k: v for k, v in ta.items() if k != "seconds"}
        kb = {k: v for k, v in tb.items() if k != "seconds"}
        assert json.dumps(ka, sort_keys=True) == json.dumps(kb, sort_keys=True)


class Stop(Exception):
    """Raised by a progress callback: a sweep interrupted after k trials."""


def _stop_after(k: int):
    def progress(row, done, total):
        if done == k:
            raise Stop
    return progress


@pytest.fixture(scope="module")
def serial() -> sw.SweepResult:
    return sw.sweep(SPACE, X, Y, repeats=2, executor="serial", **FAST)


# ---------------------------------------------------------------- plan and seeds


def test_grid_rows_hold_what_each_trial_did(serial):
    assert len(serial.trials) == 8 * 2
    t = serial.trials[5]
    assert list(t) == ["trial", "config", "repeat", "seed", "params", "status", "final_error",
                       "val_error", "epochs_run", "stop_reason", "diagnosis", "seconds",
                       "error", "key", "sweep_id"]
    assert (t["trial"], t["config"], t["repeat"]) == (5, 2, 1)
    assert t["params"] == {"lr": 0.3, "momentum": 0.9, "hidden": 2}
    assert t["status"] == "ok" and t["error"] == "" and t["val_error"] is None
    assert t["epochs_run"] == 15 and t["stop_reason"] == "epochs" and t["diagnosis"]
    assert len({r["key"] for r in serial.trials}) == 16
    assert {r["sweep_id"] for r in serial.trials} == {serial.sweep_id}


def test_repeat_r_uses_the_same_seed_in_every_configuration_and_reruns_exactly(serial):
    seeds = {(t["repeat"], t["seed"]) for t in serial.trials}
    assert seeds == {(0, sw.trial_seed(0, 0)), (1, sw.trial_seed(0, 1))}
    assert sw.trial_seed(0, 0) != sw.trial_seed(0, 1) != sw.trial_seed(1, 1)
    t = serial.trials[7]  # lr 0.3, momentum 0.9, hidden [3, 2]
    net = MLP(2, t["params"]["hidden"], 1, seed=t["seed"])
    h = fit(net, X, Y, lr=0.3, momentum=0.9, seed=t["seed"], verbose=0, **FAST)
    assert h.loss[-1] == t["final_error"]


def test_random_search_is_seeded_distinct_and_prefix_stable():
    space = {"lr": [0.1, 0.3, 0.7, 1.5], "momentum": [0, 0.5, 0.9], "bias": [True, False]}
    kw = dict(search="random", executor="serial", epochs=1)
    a = sw.sweep(space, X, Y, trials=5, **kw)
    b = sw.sweep(space, X, Y, trials=5, **kw)
    more = sw.sweep(space, X, Y, trials=7, **kw)
    other = sw.sweep(space, X, Y, trials=5, seed=1, **kw)
    configs = [json.dumps(t["params"]) for t in a.trials]
    assert len(set(configs)) == 5
    assert configs == [json.dumps(t["params"]) for t in b.trials]
    assert configs == [json.dumps(t["params"]) for t in more.trials][:5]
    assert configs != [json.dumps(t["params"]) for t in other.trials]
    everything = sw.sweep(space, X, Y, trials=100, **kw)  # more than the grid: the grid
    assert len(everything.trials) == 24


# ---------------------------------------------------------------- executors


def test_process_pool_and_thread_pool_give_the_serial_rows(serial):
    _same(serial, sw.sweep(SPACE, X, Y, repeats=2, executor=2, **FAST))
    with cf.ThreadPoolExecutor(2) as pool:
        _same(serial, sw.sweep(SPACE, X, Y, repeats=2, executor=pool, **FAST))


def test_a_failing_trial_is_recorded_and_the_sweep_goes_on():
    # adam has no momentum: fit raises in those trials only
    r = sw.sweep({"optimizer": ["sgd", "adam"], "lr": [0.5, 1.0]}, X, Y, momentum=0.5,
                 executor="serial", epochs=3)
    status = {(t["params"]["optimizer"], t["params"]["lr"]): t["status"] for t in r.trials}
    assert status == {("sgd", 0.5): "ok", ("sgd", 1.0): "ok", ("adam", 0.5): "failed",
                      ("adam", 1.0): "failed"}
    bad = r.trials[2]
    assert bad["error"].startswith("ValueError: fit: momentum=0.5 applies to SGD only")
    assert bad["final_error"] is None and bad["epochs_run"] == 0
    table = r.table()
    assert [row["optimizer"] for row in table] == ["sgd", "sgd", "adam", "adam"]
    assert (table[-1]["ok"], table[-1]["failed"]) == (0, 1) and math.isnan(table[-1]["mean_error"])
    assert r.best["optimizer"] == "sgd"


class _StopBeforeWriting(cf.Executor):
    """An executor interrupted before any trial finished."""

    def submit(self, fn, /, *args, **kwargs):
        raise Stop


class _LosesTrialOne(cf.Executor):
    """An executor whose worker 'dies' on trial 1 (as a broken process pool would)."""

    def submit(self, fn, /, *args, **kwargs):
        f: cf.Future = cf.Future()
        if args[0]["trial"] == 1:
            f.set_exception(cf.process.BrokenProcessPool("a worker died"))
        else:
            f.set_result(fn(*args, **kwargs))
        return f


def test_a_lost_trial_is_marked_lost_and_rerun_on_resume(tmp_path, serial):
    out = tmp_path / "s.jsonl"
    r = sw.sweep(SPACE, X, Y, repeats=2, executor=_LosesTrialOne(), out=out, **FAST)
    lost = [t for t in r.trials if t["status"] != "ok"]
    assert [(t["trial"], t["status"]) for t in lost] == [(1, "lost")]
    assert "BrokenProcessPool: a worker died" in lost[0]["error"]
    ran = []
    again = sw.sweep(SPACE, X, Y, repeats=2, executor="serial", out=out, resume=True,
                     progress=lambda row, d, n: ran.append(row["trial"]), **FAST)
    assert ran == [1]
    _same(serial, again)


# ---------------------------------------------------------------- out= and resume


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_interrupted_sweep_resumes_where_it_stopped(tmp_path, serial, suffix):
    out = tmp_path / f"sweep{suffix}"
    with pytest.raises(Stop):
        sw.sweep(SPACE, X, Y, repeats=2, executor="serial", out=out,
                 progress=_stop_after(5), **FAST)
    text = out.read_text()
    assert len(text.splitlines()) == 5 + (suffix == ".csv")  # each trial on disk at once
    with open(out, "a") as f:  # a kill in the middle of writing a line
        f.write('{"trial": 9, "sta' if suffix == ".jsonl" else "9,4,1,1234,0.")
    ran = []
    done = sw.sweep(SPACE, X, Y, repeats=2, executor="serial", out=out, resume=True,
                    progress=lambda row, d, n: ran.append(n), **FAST)
    assert len(ran) == 16 - 5 and set(ran) == {11}
    _same(serial, done)
    lines = out.read_text().splitlines()
    assert len(lines) == 16 + (suffix == ".csv")
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        assert rows[0]["hidden"] in ("2", "[3, 2]") and rows[0]["status"] == "ok"
    else:
        assert all(json.loads(line)["sweep_id"] == serial.sweep_id for line in lines)
    ran.clear()
    sw.sweep(SPACE, X, Y, repeats=2, executor="serial", out=out, resume=True,
             progress=lambda row, d, n: ran.append(n), **FAST)
    assert ran == []  # nothing left to do


def test_resume_can_add_repeats(tmp_path, serial):
    out = tmp_path / "s.csv"
    sw.sweep(SPACE, X, Y, repeats=1, executor="serial", out=out, **FAST)
    ran = []
    r = sw.sweep(SPACE, X, Y, repeats=2, executor="serial", out=out, resume=True,
                 progress=lambda row, d, n: ran.append(row["repeat"]), **FAST)
    assert ran == [1] * 8
    _same(serial, r)


@pytest.mark.parametrize("change", [
    {"space": {"lr": [0.3, 1.5], "momentum": [0.0, 0.5], "hidden": [2, [3, 2]]}},
    {"space": {"lr": [0.3, 1.5]}},
    {"epochs": 16}, {"seed": 1}, {"y": 1 - Y}])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_resume_file_of_another_sweep_is_an_error_before_any_trial(tmp_path, change,
                                                                     suffix):
    out = tmp_path / f"s{suffix}"
    sw.sweep(SPACE, X, Y, executor="serial", out=out, epochs=2)
    before = out.read_bytes()
    kw = {"space": SPACE, "y": Y, "epochs": 2, "seed": 0, **change}
    ran = []
    with pytest.raises(ValueError, match="different (sweep|space)"):
        sw.sweep(kw["space"], X, kw["y"], executor="serial", out=out, resume=True,
                 seed=kw["seed"], epochs=kw["epochs"], progress=lambda *a: ran.append(a))
    assert ran == [] and out.read_bytes() == before


def test_out_refuses_to_overwrite_and_needs_a_known_suffix(tmp_path):
    out = tmp_path / "s.csv"
    sw.sweep({"lr": [0.5]}, X, Y, executor="serial", out=out, epochs=1)
    with pytest.raises(ValueError, match="exists; pass resume=True"):
        sw.sweep({"lr": [0.5]}, X, Y, executor="serial", out=out, epochs=1)
    with pytest.raises(ValueError, match=r"\.jsonl or \.csv"):
        sw.sweep({"lr": [0.5]}, X, Y, executor="serial", out=tmp_path / "s.txt", epochs=1)
    with pytest.raises(ValueError, match="resume=True needs out="):
        sw.sweep({"lr": [0.5]}, X, Y, executor="serial", resume=True, epochs=1)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("space, kw, message", [
    ({"lrr": [0.1]}, {}, "unknown name 'lrr' in space"),
    ({"seed": [1, 2]}, {}, "derived per repeat"),
    ({"lr": []}, {}, r"space\['lr'\] is an empty list"),
    ({"lr": 0.5}, {}, r"must be a list of candidates.*sweep\(\.\.\., lr=0\.5\)"),
    ({"hidden": [4, 4]}, {}, r"lists 4 twice.*\[\[4, 4\]\]"),
    ({"lr": [0.1]}, {"repeats": 0}, "repeats must be an int >= 1"),
    ({"lr": [0.1]}, {"search": "random"}, "needs trials=N"),
    ({"lr": [0.1]}, {"trials": 3}, "trials is for search='random'"),
    ({"lr": [0.1]}, {"search": "bayes"}, "search must be 'grid' or 'random'"),
    ({"lr": [0.1]}, {"lr": 0.2}, "both in space and a fixed keyword"),
    ({"lr": [0.1]}, {"verbose": 2}, "unknown name 'verbose'"),
    ({"lr": [object()]}, {}, "a candidate must be a number"),
    ({"activation": ["sigmoid", "sigmiod"]}, {}, "cannot be built: unknown activation"),
    ({"lr": [0.1]}, {"executor": 0}, "give at least 1"),
])
def test_bad_input_is_a_value_error_before_any_trial(space, kw, message):
    ran = []
    with pytest.raises(ValueError, match=message):
        sw.sweep(space, X, Y, progress=lambda *a: ran.append(a), **{"executor": "serial", **kw})
    assert ran == []


def test_an_unknown_executor_is_a_type_error():
    with pytest.raises(TypeError, match="executor must be"):
        sw.sweep({"lr": [0.5]}, X, Y, executor=object(), epochs=1)


# ---------------------------------------------------------------- results


def test_table_ranks_configurations_by_mean_error_with_std(serial):
    table = serial.table()
    assert len(table) == 8 and [r["ok"] for r in table] == [2] * 8
    means = [r["mean_error"] for r in table]
    assert means == sorted(means)
    top = table[0]
    errs = [t["final_error"] for t in serial.trials
            if t["params"] == {n: top[n] for n in serial.names}]
    assert top["mean_error"] == pytest.approx(np.mean(errs))
    assert top["std_error"] == pytest.approx(np.std(errs, ddof=1))
    assert serial.best == {n: top[n] for n in serial.names}
    text = serial.format_table(top=3)
    assert len(text.splitlines()) == 4 and "error (mean ± std)" in text and "±" in text


def test_validation_error_is_recorded_and_can_rank(tmp_path):
    r = sw.sweep({"lr": [0.3, 1.5]}, X, Y, executor="serial", validation_data=(X, Y),
                 epochs=5)
    assert all(t["val_error"] == t["final_error"] for t in r.trials)  # same data
    assert "mean_val_error" in r.table("val_error")[0]
    split = sw.sweep({"lr": [0.3, 1.5]}, X, Y, executor="serial", validation_split=0.25,
                     epochs=5)
    assert all(t["val_error"] is not None for t in split.trials)
    with pytest.raises(ValueError, match="needs validation data"):
        sw.sweep({"lr": [0.5]}, X, Y, executor="serial", epochs=1).table("val_error")


def test_to_csv_writes_trials_or_the_table(tmp_path, serial):
    rows = list(csv.DictReader(open(serial.to_csv(tmp_path / "t.csv"))))
    assert len(rows) == 16 and rows[3]["hidden"] == "[3, 2]" and rows[3]["status"] == "ok"
    table = list(csv.DictReader(open(serial.to_csv(tmp_path / "c.csv", table=True))))
    assert len(table) == 8 and float(table[0]["mean_error"]) <= float(table[1]["mean_error"])


def test_plot_sweep_draws_lines_and_a_heatmap(serial, tmp_path):
    pytest.importorskip("matplotlib")
    from micrograd_nn.plots import plot_sweep

    fig = plot_sweep(serial, x="lr", hue="momentum", path=tmp_path / "l.png")
    ax = fig.axes[0]
    assert len(ax.get_lines()) >= 2 and "pooled over hidden" in ax.get_title()
    assert (tmp_path / "l.png").stat().st_size > 0
    heat = plot_sweep(serial, x="lr", y="momentum")
    assert len(heat.axes) == 2  # the map and its colour bar
    assert plot_sweep(serial, x="hidden", where={"lr": 0.3}).axes
    with pytest.raises(ValueError, match="not a swept name"):
        plot_sweep(serial, x="epochs")


# ---------------------------------------------------------------- the command


ARGS = ["--data", "xor", "--lr", "0.3,1.5", "--momentum", "0,0.9", "--hidden", "2,3-2",
        "--repeats", "2", "--epochs", "15", "--workers", "0"]


def test_the_command_runs_the_sweep_and_prints_the_best(tmp_path, capsys, serial):
    out = tmp_path / "s.csv"
    assert sw.cli_main([*ARGS, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "16 trials (0 failed)" in captured.out and "best: " in captured.out
    best = serial.best
    assert f"best: lr={best['lr']:g}, momentum={best['momentum']:g}" in captured.out
    progress = captured.err.splitlines()
    assert progress[-1].startswith("sweep: 16/16 trials done, 0 failed")
    rows = list(csv.DictReader(open(out)))
    by_trial = sorted(rows, key=lambda r: int(r["trial"]))
    assert [float(r["final_error"]) for r in by_trial] == \
        [t["final_error"] for t in serial.trials]


@pytest.mark.parametrize("argv, message, code", [
    (["--lr", "0.3,x"], "--lr: cannot read '0.3,x'", 1),
    (["--hidden", "2,2"], "--hidden lists 2 twice", 1),
    (["--repeats", "0"], "repeats must be an int >= 1", 1),
    (["--search", "random"], "--search random needs --trials N", 1),
    (["--resume"], "--resume needs --out", 1),
    (["--data", "nowhere.csv"], "nowhere.csv", 1),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not allowed with", 2),
])
def test_command_errors_are_one_line_and_non_zero(argv, message, code, capsys):
    assert sw.cli_main(argv) == code
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_scheduler_without_dask_installed_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    out = tmp_path / "s.csv"
    assert sw.cli_main(["--lr", "0.3,0.7", "--scheduler", "tcp://127.0.0.1:8786",
                        "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'micrograd_nn[distributed]'" in err
    assert not out.exists()  # nothing was started


def test_a_malformed_scheduler_address_is_an_error_before_anything(tmp_path):
    out = tmp_path / "s.jsonl"
    with pytest.raises(ValueError, match="looks like tcp://HOST:PORT, got 'nonsense'"):
        sw.sweep({"lr": [0.5]}, X, Y, executor="nonsense", out=out, epochs=1)
    assert not out.exists()


def test_a_results_file_with_only_its_header_is_not_a_sweep_to_resume(tmp_path):
    out = tmp_path / "s.csv"
    with pytest.raises(Stop):  # stopped before the first trial was written
        sw.sweep({"lr": [0.5]}, X, Y, executor=_StopBeforeWriting(), out=out, epochs=1)
    assert len(out.read_text().splitlines()) == 1
    assert len(sw.sweep({"lr": [0.5]}, X, Y, executor="serial", out=out, epochs=1).trials) == 1


def test_progress_lines_are_plain_when_not_a_terminal():
    from micrograd_nn._sweep_cli import _Progress

    stream = io.StringIO()
    p = _Progress(stream)
    for done in range(1, 41):
        p({"status": "ok" if done % 10 else "failed"}, done, 40)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 20 and "\r" not in stream.getvalue()
    assert lines[-1].startswith("sweep: 40/40 trials done, 4 failed,") and "ETA 0s" in lines[-1]


def test_register_cli_adds_the_command_to_a_parser(capsys):
    import argparse

    parser = argparse.ArgumentParser(prog="micrograd-nn")
    sub = parser.add_subparsers(dest="command")
    sw.register_cli(sub)
    args = parser.parse_args(["sweep", "--lr", "0.1,0.2", "--epochs", "2", "--workers", "0"])
    assert args.command == "sweep" and args.lr == "0.1,0.2" and args.workers == 0
    assert args.func(args) == 0 and "2 trials (0 failed)" in capsys.readouterr().out
