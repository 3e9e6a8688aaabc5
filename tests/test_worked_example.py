"""The article's worked example and the training-modes example, run from examples/."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# the worked example computed exactly (not rounded as the article does), independent
# of the example's own table
EXACT = {"H1out": 0.610639, "H2out": 0.685680, "O1out": 0.340491, "Error": 0.434952,
         "dO1": 0.148097, "dH1": 0.052817, "dH2": -0.073412, "GRADw5": 0.090434,
         "GRADw6": 0.101547, "new_w1": 0.486972, "new_w2": 0.728611, "new_w3": -0.12,
         "new_w4": 0.13, "new_w5": 1.563304, "new_w6": -2.228917,
         "O1out_after": 0.369327, "Error_after": 0.397749}


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def worked():
    return _load("worked_example")


@pytest.fixture(scope="module")
def modes():
    return _load("training_modes")


@pytest.mark.parametrize("form", ["run_neuron_form", "run_tensor_form", "run_delta_rule"])
def test_each_form_reproduces_the_exact_column(worked, form):
    row = getattr(worked, form)(1)[0]
    for key, want in EXACT.items():
        assert row[key] == pytest.approx(want, abs=1e-6), (form, key)


def test_example_table_matches_article_md(worked):
    assert {k: e for k, _, e in worked.TABLE} == EXACT
    articles = {k: a for k, a, _ in worked.TABLE}
    assert articles["O1out"] == 0.33 and articles["new_w6"] == -2.2


def test_first_step_dw_and_momentum_steps(worked):
    rows = worked.run_neuron_form(3)
    assert rows[0]["dw_w5"] == pytest.approx(0.7 * 0.090434, abs=1e-6)
    # step 2: Δw = E·GRAD + α·Δw_prev
    assert rows[1]["dw_w5"] == pytest.approx(0.7 * rows[1]["GRADw5"] + 0.3 * rows[0]["dw_w5"],
                                             rel=1e-12)
    assert rows[1]["O1out"] == pytest.approx(rows[0]["O1out_after"], rel=1e-12)
    assert rows[0]["Error"] > rows[1]["Error"] > rows[2]["Error"]


def test_three_forms_agree_over_several_momentum_steps(worked):
    assert worked.max_disagreement(6) < 1e-12


def test_worked_example_prints_both_columns(worked, capsys):
    worked.main()
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("O1 output "))
    assert "0.33" in line and "0.340491" in line
    assert "δH2" in out and "-0.073412" in out and "Six steps with momentum" in out
    assert "agree to" in out


def test_worked_example_runs_as_a_script():
    r = subprocess.run([sys.executable, str(EXAMPLES / "worked_example.py")],
                       capture_output=True, text=True, timeout=60, check=True)
    assert "0.397749" in r.stdout


@pytest.mark.parametrize("mode", ["stochastic", "batch", "mini-batch"])
def test_training_modes_reach_error_below_001(modes, mode):
    net, h = modes.run(mode)
    assert h.stop_reason == "target_error" and h.loss[-1] < 0.01


def test_training_modes_main_prints_a_row_per_mode(modes, capsys):
    modes.main()
    out = capsys.readouterr().out
    for mode in ("stochastic", "batch", "mini-batch"):
        assert any(ln.startswith(mode + " ") for ln in out.splitlines()), mode
    with pytest.raises(ValueError, match="mode must be one of"):
        modes.run("online")
