"""The micrograd-nn command line when things go wrong: a diverged run, NaN in the data,
a reader that closes the pipe, Ctrl-C, flags that conflict or are out of range.

The rule under test: what a command was asked to make (a saved model) is made
whatever becomes of its output, or the exit status says it was not; a good model
is never replaced by a broken one; every error is one line naming the flag.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd_nn import cli
from micrograd_nn.optim import SGD
from micrograd_nn.serialize import load

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse's own exits (usage errors)
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def _command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "micrograd_nn.cli", *argv]


def _env(**extra: str) -> dict[str, str]:
    """The child imports this checkout's package, whatever the working directory, and
    buffers its output as Python does by default (unless ``extra`` says otherwise)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return dict(env, **extra)


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ---------------------------------------------------------------- 4: never save a broken model


def test_a_diverged_run_does_not_overwrite_a_good_model(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    g = tmp_path / "g"
    code, _, err = run(capsys, "train", "--epochs", "300", "--verbose", "0", "--out", str(g))
    assert code == 0, err
    before = {s: g.with_suffix(s).read_bytes() for s in (".json", ".npz")}
    code, out, err = run(capsys, "train", "--lr", "1e308", "--momentum", "0.9", "--epochs",
                         "300", "--verbose", "0", "--out", str(g))
    assert code == 1
    line = _one_line(err)
    assert "NaN or inf" in line and "--allow-nonfinite" in line and "left as they were" in line
    assert "saved" not in out
    assert {s: g.with_suffix(s).read_bytes() for s in (".json", ".npz")} == before
    model = load(g)
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_nonfinite_weights_are_saved_only_when_asked(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    g = tmp_path / "g"
    code, out, err = run(capsys, "train", "--lr", "1e308", "--momentum", "0.9", "--epochs",
                         "300", "--verbose", "0", "--out", str(g), "--allow-nonfinite")
    if code == 1:  # a save() that refuses them itself: still one line, never a traceback
        assert "save" in _one_line(err)
        return
    assert code == 0, err
    assert "saved" in out and g.with_suffix(".npz").exists()


def test_nan_cells_in_a_csv_are_one_line_and_save_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "n.csv"
    csv.write_text("a,b,y\n0,0,0\n0,nan,1\n1,0,1\n1,1,0\n")
    code, out, err = run(capsys, "train", "--data", str(csv), "--verbose", "0",
                         "--out", str(tmp_path / "h"))
    assert code == 1
    line = _one_line(err)
    assert "line 3, column 2" in line and "'nan'" in line
    assert "trained" not in out and not (tmp_path / "h.json").exists()


# ---------------------------------------------------------------- 5: a closed pipe, still saved


def test_a_pipe_closed_before_anything_is_printed_still_saves(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line: every print fails
    try:
        proc = subprocess.run(_command("train", "--epochs", "200", "--verbose", "0",
                                       "--out", str(tmp_path / "m")),
                              stdout=write, stderr=subprocess.PIPE, cwd=tmp_path,
                              env=_env(PYTHONUNBUFFERED="1"), timeout=300, check=False)
    finally:
        os.close(write)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert load(tmp_path / "m").sizes == [2, 3, 1]


def test_head_dash_1_gets_the_first_line_and_the_model_is_saved(tmp_path: Path) -> None:
    proc = subprocess.Popen(_command("train", "--epochs", "200", "--verbose", "0",
                                     "--out", str(tmp_path / "m")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=_env(PYTHONUNBUFFERED="1"))
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline().decode()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, err
    assert first.startswith("trained [2, 3, 1]")
    assert "Traceback" not in err and "Exception ignored" not in err
    assert (tmp_path / "m.json").exists() and (tmp_path / "m.npz").exists()


def test_progress_into_a_closed_pipe_does_not_stop_the_training(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # `2>&1 | head -0`: progress on stderr fails too
    try:
        proc = subprocess.run(_command("train", "--epochs", "50", "--verbose", "2",
                                       "--out", str(tmp_path / "m")),
                              stdout=write, stderr=write, cwd=tmp_path, env=_env(),
                              timeout=300, check=False)
    finally:
        os.close(write)
    assert proc.returncode == 0
    assert load(tmp_path / "m").sizes == [2, 3, 1]


def test_output_that_cannot_be_written_is_an_error(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    class Full:
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stdout", Full())
    code = cli.main(["explain"])
    err = capsys.readouterr().err
    assert code == 1 and "could not write the output" in _one_line(err)


# ---------------------------------------------------------------- output as it comes, Ctrl-C


def test_a_piped_demo_shows_its_lines_as_they_come_and_ctrl_c_exits_130(tmp_path: Path) -> None:
    proc = subprocess.Popen(_command("demo", "--out", str(tmp_path / "d")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline().decode()  # printed before the training starts...
    proc.send_signal(signal.SIGINT)  # ...so the demo is still at work now: stop it
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert first.startswith("The article's XOR network")
    # a block-buffered pipe would have held the first line back until the demo ended
    assert code == 130 and "interrupted" in _one_line(err), (code, out, err)
    assert not list((tmp_path / "d").glob("*.png"))


@pytest.mark.slow  # seconds each: the full run has it
def test_train_off_a_terminal_prints_progress_lines_and_ctrl_c_saves_nothing(
        tmp_path: Path) -> None:
    proc = subprocess.Popen(_command("train", "--epochs", "100000", "--hidden", "8",
                                     "--out", str(tmp_path / "m")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stderr.readline().decode()  # a line every tenth: epoch 10000 first
    assert proc.poll() is None and line.startswith("epoch 10000/100000  loss "), line
    assert "\r" not in line
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 130, err
    last = _one_line(err)
    assert last.startswith("micrograd-nn train: interrupted after ") and "nothing saved" in last
    assert "of 100000 epochs" in last
    assert not list(tmp_path.glob("m*"))


def _interrupt_sgd_at(monkeypatch: pytest.MonkeyPatch, call: int) -> None:
    real = SGD.step
    count = {"n": 0}

    def step(self: SGD) -> None:
        count["n"] += 1
        if count["n"] == call:
            raise KeyboardInterrupt
        real(self)

    monkeypatch.setattr(SGD, "step", step)


def test_ctrl_c_in_train_saves_nothing_and_exits_130(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _interrupt_sgd_at(monkeypatch, 50)  # the 50th step: epoch 13 of the 4-sample XOR
    code, out, err = run(capsys, "train", "--epochs", "100", "--verbose", "0",
                         "--out", str(tmp_path / "m"))
    assert code == 130
    line = _one_line(err)
    assert line == ("micrograd-nn train: interrupted after 12 of 100 epochs; nothing saved "
                    "(--save-on-interrupt keeps the weights so far)")
    assert out == "" and not list(tmp_path.iterdir())


def test_ctrl_c_with_save_on_interrupt_saves_the_last_whole_epoch(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _interrupt_sgd_at(monkeypatch, 50)
    code, _, err = run(capsys, "train", "--epochs", "100", "--verbose", "0",
                       "--out", str(tmp_path / "m"), "--save-on-interrupt")
    assert code == 130
    line = _one_line(err)
    assert "interrupted after 12 of 100 epochs; saved the weights so far" in line
    assert load(tmp_path / "m").sizes == [2, 3, 1]


# ---------------------------------------------------------------- 8, 15: flags


@pytest.mark.parametrize("argv, words", [
    (["gradcheck", "m", "--samples", "0"], ["argument --samples", "positive integer"]),
    (["gradcheck", "m", "--samples", "-1"], ["argument --samples", "positive integer"]),
    (["train", "--seed", "-1", "--no-save"], ["argument --seed", "non-negative integer"]),
    (["train", "--epochs", "0", "--no-save"], ["argument --epochs", "positive integer"]),
    (["train", "--batch-size", "0", "--no-save"], ["argument --batch-size", "positive"]),
    (["train", "--lr", "nan", "--no-save"], ["argument --lr", "finite number"]),
    (["train", "--lr", "-0.5", "--no-save"], ["argument --lr", ">= 0"]),
    (["train", "--val-split", "1", "--no-save"], ["argument --val-split", "[0, 1)"]),
    (["train", "--early-stopping", "-3", "--no-save"], ["argument --early-stopping"]),
    (["demo", "--epochs", "-5"], ["argument --epochs", "positive integer"]),
    (["explain", "--steps", "0"], ["argument --steps", "positive integer"]),
    (["train"], ["--out", "--no-save", "required"]),
    (["train", "--out", "m", "--no-save"], ["--no-save", "not allowed with", "--out"]),
    (["train", "--mode", "stochastic", "--batch-size", "2", "--no-save"],
     ["--batch-size 2", "--mode stochastic"]),
    (["train", "--mode", "batch", "--batch-size", "2", "--no-save"],
     ["--batch-size 2", "--mode batch"]),
    (["train", "--no-save", "--save-on-interrupt"], ["--save-on-interrupt", "--no-save"]),
    (["train", "--no-save", "--allow-nonfinite"], ["--allow-nonfinite", "--no-save"]),
    (["predict", "m", "--input", "1,0", "--data", "xor"], ["--data", "--input"]),
    (["predict", "m"], ["--input", "--data"]),
])
def test_bad_and_conflicting_flags_are_one_line_naming_them(
        argv: list[str], words: list[str], capsys: pytest.CaptureFixture[str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    line = _one_line(err)
    for w in words:
        assert w in line, (w, line)
    assert "trained" not in out and not list(tmp_path.iterdir())


def test_gradcheck_reports_how_many_samples_it_checked(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "train", "--epochs", "50", "--verbose", "0",
                       "--out", str(tmp_path / "x"))
    assert code == 0, err
    code, out, _ = run(capsys, "gradcheck", str(tmp_path / "x"), "--samples", "2")
    assert code == 0 and "gradients OK (2 samples checked)" in out


def test_batch_size_alone_means_minibatch(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    steps = {"n": 0}
    real = SGD.step

    def step(self: SGD) -> None:
        steps["n"] += 1
        real(self)

    monkeypatch.setattr(SGD, "step", step)
    code, _, err = run(capsys, "train", "--data", "moons", "--batch-size", "50", "--epochs",
                       "2", "--verbose", "0", "--no-save")
    assert code == 0, err
    assert steps["n"] == 2 * 4  # 200 samples in groups of 50, twice


def test_no_save_trains_diagnoses_and_writes_nothing(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "train", "--epochs", "20", "--verbose", "0", "--no-save")
    assert code == 0, err
    assert out.startswith("trained [2, 3, 1] for 20 epochs") and "saved" not in out
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("make_bad", ["file_parent", "folder_target"])
def test_the_output_path_is_checked_before_training(make_bad: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    trained = []
    monkeypatch.setattr("micrograd_nn.train.fit", lambda *a, **k: trained.append(1))
    if make_bad == "file_parent":
        (tmp_path / "notes.txt").write_text("a file, not a folder")
        out = tmp_path / "notes.txt" / "sub" / "m"
        words = "is a file"
    else:
        (tmp_path / "m.npz").mkdir()
        out = tmp_path / "m"
        words = "is a folder"
    code, stdout, err = run(capsys, "train", "--epochs", "5", "--verbose", "0",
                            "--out", str(out))
    assert code == 1 and words in _one_line(err) and "--out" in err
    assert trained == [] and stdout == ""


def test_progress_lines_off_a_terminal_are_a_tenth_apart(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "train", "--epochs", "50", "--no-save")
    assert code == 0
    lines = err.strip().splitlines()
    assert [ln.split()[1] for ln in lines] == [f"{k}/50" for k in range(5, 51, 5)]
    assert "\r" not in err


def test_the_diagnosis_in_train_sees_the_targets(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "big.csv"
    csv.write_text("a,b,y\n0,0,0\n0,1,5\n1,0,5\n1,1,0\n")
    code, out, err = run(capsys, "train", "--data", str(csv), "--epochs", "100",
                         "--verbose", "0", "--no-save")
    assert code == 0, err
    assert "[unreachable_targets] the targets run from 0 to 5" in out
