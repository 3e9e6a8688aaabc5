"""The micrograd-nn command line: every command end to end, and its one-line errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_nn import cli
from micrograd_nn.serialize import load

COMMANDS = ("demo", "train", "predict", "explain", "graph", "gradcheck")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse's own exits (--help, usage errors)
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def xor_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "xor"
    assert cli.main(["train", "--data", "xor", "--hidden", "3", "--epochs", "3000",
                     "--target-error", "0.01", "--verbose", "0", "--out", str(path)]) == 0
    return path


@pytest.mark.slow  # seconds each: the full run has it
def test_demo_writes_three_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo", "--out", str(tmp_path))
    assert code == 0, err
    assert "error (MSE)" in out and "[converged]" in out
    for name in ("computation_graph.png", "network.png", "loss_curve.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name


@pytest.mark.slow  # seconds each: the full run has it
def test_demo_without_dot_writes_dot_files_and_one_note(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None if cmd == "dot" else real(cmd))
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--quiet")
    assert code == 0
    assert (tmp_path / "computation_graph.dot").exists() and (tmp_path / "network.dot").exists()
    assert len([line for line in err.splitlines() if "Graphviz" in line]) == 1


@pytest.mark.slow  # seconds each: the full run has it
def test_demo_without_matplotlib_skips_the_plot_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--quiet")
    assert code == 0
    assert not (tmp_path / "loss_curve.png").exists()
    assert "loss curve skipped" in err and len(err.strip().splitlines()) == 1


def test_train_saves_a_model_that_predicts_xor(xor_model: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    model = load(xor_model)
    assert model.sizes == [2, 3, 1]
    code, out, _ = run(capsys, "predict", str(xor_model), "--input", "1,0", "--input", "1,1")
    assert code == 0
    high, low = (float(line.split("->")[1]) for line in out.strip().splitlines())
    assert high > 0.8 and low < 0.2


@pytest.mark.parametrize("mode", [["--mode", "stochastic"], ["--mode", "batch"],
                                  ["--mode", "minibatch", "--batch-size", "16"],
                                  ["--batch-size", "16"]])
def test_train_modes_and_options(mode: list[str], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "--data", "moons", "--hidden", "4", *mode,
                         "--epochs", "5", "--val-split", "0.2",
                         "--no-bias", "--optimizer", "adam", "--lr", "0.05", "--verbose", "0",
                         "--out", str(tmp_path / "m"))
    assert code == 0, err
    assert "validation loss" in out
    assert all(lin.bias is None for lin in load(tmp_path / "m").linears)


def test_train_from_csv_and_predict_from_csv(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "and.csv"
    csv.write_text("a,b,out\n0,0,0\n0,1,0\n1,0,0\n1,1,1\n")
    code, _, err = run(capsys, "train", "--data", str(csv), "--target-columns", "out",
                       "--epochs", "50", "--verbose", "0", "--out", str(tmp_path / "and"))
    assert code == 0, err
    code, out, _ = run(capsys, "predict", str(tmp_path / "and"), "--data", str(csv),
                       "--target-columns", "out")
    assert code == 0 and len(out.strip().splitlines()) == 4


def test_explain_default_is_the_articles_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "--digits", "2")
    assert code == 0
    assert "H1input = 1*0.45 + 0*-0.12 = 0.45" in out
    assert "H1output = sigmoid(0.45) = 0.61" in out


def test_explain_a_saved_model(xor_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "--model", str(xor_model), "--input", "1,0",
                       "--target", "1")
    assert code == 0 and "δO1" in out


@pytest.mark.parametrize("kind", ["network", "graph"])
def test_graph_renders_a_saved_model(kind: str, xor_model: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    out_file = tmp_path / f"{kind}.svg"
    code, out, _ = run(capsys, "graph", str(xor_model), "--kind", kind, "--input", "1,0",
                       "--target", "1", "--out", str(out_file))
    assert code == 0
    assert out_file.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_graph_format_flag_wins_over_the_suffix(xor_model: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    code, out, err = run(capsys, "graph", str(xor_model), "--format", "png",
                         "--out", str(tmp_path / "net.svg"))
    assert code == 0, err
    assert (tmp_path / "net.png").read_bytes()[:4] == b"\x89PNG"


def test_gradcheck_passes_on_a_saved_model(xor_model: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gradcheck", str(xor_model), "--data", "xor")
    assert code == 0
    assert "gradients OK" in out and "delta rule vs autodiff" in out


def test_gradcheck_fails_on_a_tampered_rule(xor_model: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from micrograd_nn import ops

    bad = ops.OPS["sigmoid"]._replace(vjps=(lambda g, ans, x: g * ans,))
    monkeypatch.setattr("micrograd_nn.engine._SIGMOID", bad)
    code, out, _ = run(capsys, "gradcheck", str(xor_model), "--data", "xor", "--samples", "1")
    assert code == 1 and "FAILED" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "examples:" in out and f"micrograd-nn {command}" in out


@pytest.mark.parametrize("argv, status, words", [
    (["train", "--epochs", "many", "--no-save"], 2, "invalid int value"),
    (["train", "--bogus", "--no-save"], 2, "unrecognized arguments"),
    (["train", "--hidden", "4,x", "--no-save"], 1, "--hidden"),
    (["train", "--data", "no_such_file.csv", "--no-save"], 1, "no such file"),
    (["predict", "no_such_model", "--input", "1,0"], 1, "no saved model"),
    (["explain", "--input", "1,zero"], 1, "--input"),
    (["nonsense"], 2, "invalid choice"),
])
def test_bad_input_is_one_line_and_nonzero(argv: list[str], status: int, words: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == status
    assert len(err.strip().splitlines()) == 1 and words in err
    assert "Traceback" not in err


def test_malformed_csv_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("1,2,3\n4,five,6\n")
    code, _, err = run(capsys, "train", "--data", str(csv), "--epochs", "1", "--no-save")
    assert code == 1 and "line 2" in err and len(err.strip().splitlines()) == 1


def test_corrupt_model_file_is_one_line(tmp_path: Path, xor_model: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in (".json", ".npz"):
        shutil.copy(xor_model.with_suffix(suffix), tmp_path / f"m{suffix}")
    (tmp_path / "m.npz").write_bytes(b"not a zip file")
    code, _, err = run(capsys, "predict", str(tmp_path / "m"), "--input", "1,0")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_console_script_runs_without_traceback() -> None:
    exe = shutil.which("micrograd-nn") or str(Path(sys.executable).parent / "micrograd-nn")
    if not Path(exe).exists():
        pytest.skip("the console script is not installed")
    ok = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "micrograd-nn" in ok.stdout
    bad = subprocess.run([exe, "predict", "missing"], capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"micrograd-nn {__import__('micrograd_nn').__version__}"


def test_closed_pipe_is_not_an_error() -> None:
    exe = shutil.which("micrograd-nn") or str(Path(sys.executable).parent / "micrograd-nn")
    if not Path(exe).exists():
        pytest.skip("the console script is not installed")
    proc = subprocess.Popen([exe, "explain", "--steps", "50"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=60) == 0, err
    assert "error" not in err and "Traceback" not in err


# ---------------------------------------------------------------- review findings
def test_logit_losses_default_to_an_identity_output(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """bce_with_logits applies the sigmoid itself: a sigmoid output layer on top of it
    squashes twice and XOR stalls (it did: loss 0.60, one sample wrong)."""
    code, out, err = run(capsys, "train", "--data", "xor", "--loss", "bce_with_logits",
                         "--epochs", "2000", "--verbose", "0", "--out", str(tmp_path / "b"))
    assert code == 0, err
    assert "the outputs are logits: sigmoid(output)" in out
    model = load(tmp_path / "b")
    assert model.activations[-1] == "identity"
    code, out, _ = run(capsys, "predict", str(tmp_path / "b"), "--data", "xor")
    logits = [float(line.split("->")[1]) for line in out.strip().splitlines()]
    assert [v > 0 for v in logits] == [False, True, True, False]


@pytest.mark.parametrize("argv, status, words", [
    (["--loss", "bce_with_logits", "--output-activation", "sigmoid", "--out", "m"], 2,
     "--output-activation identity"),
    (["--loss", "softmax_cross_entropy", "--out", "m"], 1, "one-hot"),
    (["--loss", "bce_with_logits", "--data", "sine", "--out", "m"], 1, "targets in [0, 1]"),
    (["--out", "results/"], 1, "names a folder"),
])
def test_loss_and_output_that_do_not_fit_are_one_line(argv: list[str], status: int, words: str,
                                                      capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # were a model saved after all, not into the repository
    code, out, err = run(capsys, "train", "--data", "xor", "--epochs", "5", "--verbose", "0",
                         *argv)
    assert code == status and words in err and len(err.strip().splitlines()) == 1
    assert "trained" not in out and not list(tmp_path.iterdir())


@pytest.mark.parametrize("argv, words", [
    (["predict", "{m}", "--input", "1,0,1"], "the model takes 2 inputs, --input has 3"),
    (["predict", "{m}", "--input", "1,0", "--input", "1"], "takes 2 inputs, --input has 1"),
    (["predict", "{m}", "--data", "{csv}"], "the model takes 2 inputs, {csv} has 3"),
    (["graph", "{m}", "--kind", "graph", "--input", "1,0,1"], "--input has 3"),
    (["graph", "{m}", "--input", "1"], "--input has 1"),
    (["gradcheck", "{m}", "--data", "{csv}"], "{csv} has 3"),
    (["graph", "{m}", "--out", "{dir}/net.gif"], "svg, png or pdf"),
])
def test_mismatched_inputs_and_formats_name_the_problem(argv: list[str], words: str,
                                                        xor_model: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "three.csv"
    csv.write_text("a,b,c,out\n0,0,1,0\n1,0,1,1\n")
    fill = {"m": str(xor_model), "csv": str(csv), "dir": str(tmp_path)}
    code, _, err = run(capsys, *(a.format(**fill) for a in argv))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert words.format(**fill) in err
    assert not list(tmp_path.glob("net*"))


@pytest.mark.slow  # seconds each: the full run has it
@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_demo_writes_every_picture_in_the_asked_format(fmt: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    pytest.importorskip("matplotlib")
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--format", fmt, "--quiet")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"computation_graph.{fmt}", f"loss_curve.{fmt}", f"network.{fmt}", "report.html"]
    if fmt == "svg":  # the graph's Values say what they are
        svg = (tmp_path / "computation_graph.svg").read_text()
        for text in ("x: samples 0,1 and 1,0", "hidden layer output", "output O1",
                     "target (2, 1)", "error (MSE)"):
            assert text in svg, text


def test_train_momentum_with_adam_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "train", "--optimizer", "adam", "--momentum", "0.5",
                       "--epochs", "1", "--verbose", "0", "--no-save")
    assert code == 2 and "applies to SGD only" in err and len(err.strip().splitlines()) == 1
    assert "--momentum" in err and "--optimizer adam" in err
