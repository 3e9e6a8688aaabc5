"""The live report in a real browser: headless Chromium driven by selenium.

Needs Debian's ``chromium`` and ``chromium-driver`` (/usr/bin/chromium,
/usr/bin/chromedriver), ``pip install selenium`` and Graphviz; without them every test
here skips with a one-line reason. Set ``MICROGRAD_NN_SCREENSHOTS=/some/folder`` to
keep the screenshots the last test takes.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync "
         "--disable-default-apps").split()


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path, pkg in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"no {path} (apt-get install chromium chromium-driver; {pkg} is missing)"
    if shutil.which("dot") is None:
        return "Graphviz's dot is missing (apt-get install graphviz)"
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "matplotlib is missing (pip install matplotlib)"
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    why = _missing()
    if why:
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.add_argument("--window-size=1280,800")
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        d.set_window_size(1280, 800)
        yield d
    finally:
        d.quit()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The demo's XOR run, its snapshots and its report page."""
    if _missing():
        pytest.skip(_missing())
    from micrograd_nn.data import xor
    from micrograd_nn.nn import MLP
    from micrograd_nn.report import Snapshots, write_report
    from micrograd_nn.train import fit

    X, y = xor()
    model = MLP(2, [2], 1, seed=0)
    snaps = Snapshots(model, max_snapshots=40)
    h = fit(model, X, y, loss="mse", lr=0.35, momentum=0.3, epochs=3000, batch_size=1,
            seed=0, target_error=0.01, callbacks=[snaps], verbose=0)
    path = tmp_path_factory.mktemp("report") / "xor.html"
    write_report(path, model, h, X, y, snapshots=snaps, sample=2)
    return SimpleNamespace(model=model, X=X, y=y, h=h, snaps=snaps.items(), path=path)


def _open(driver, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.body.dataset.ready === '1'"))


def _severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _colours(png: bytes) -> int:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    return len(img.getcolors(maxcolors=1 << 24))


def test_the_demo_page_loads_offline_fast_and_without_errors(driver, tmp_path):
    from micrograd_nn.demo import run_demo

    run_demo(tmp_path, epochs=3000, seed=0, verbose=False)
    page = tmp_path / "report.html"
    assert page.stat().st_size <= 3_000_000
    _open(driver, page)
    assert _severe(driver) == []
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert [u for u in fetched if not u.startswith("data:")] == []
    csp = driver.execute_script(
        "const m = document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]');"
        "return m && m.content")
    assert "default-src 'none'" in csp
    paint: dict = {}
    for _ in range(50):  # the paint entry is recorded after the frame: wait for it
        paint = driver.execute_script(
            "return Object.fromEntries(performance.getEntriesByType('paint')"
            ".map(e => [e.name, e.startTime]))")
        if "first-contentful-paint" in paint:
            break
        time.sleep(0.1)
    assert 0 < paint["first-contentful-paint"] < 1000, paint
    # readable at 1280x800: nothing wider than the window
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")


def test_the_slider_moved_by_keyboard_shows_snapshot_k(driver, run):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(driver, run.path)
    slider = driver.find_element(By.ID, "epoch-slider")
    slider.click()
    slider.send_keys(Keys.HOME)
    names = [f"w{i}" for i in range(1, 10)]
    for k in (0, 7, len(run.snaps) - 1):
        slider.send_keys(Keys.HOME)
        for _ in range(k):
            slider.send_keys(Keys.ARROW_RIGHT)
        label = driver.find_element(By.ID, "epoch-label")
        assert int(label.get_attribute("data-index")) == k
        assert int(label.get_attribute("data-epoch")) == run.snaps[k].epoch
        shown = driver.execute_script(
            "return arguments[0].map(n => document.getElementById('w-' + n).dataset.value)",
            names)
        assert [float(v) for v in shown] == run.snaps[k].weights.tolist()
        edges = driver.execute_script(
            "return Array.from(document.querySelectorAll('#network g.edge[data-weight]'))"
            ".map(g => [g.dataset.weight, +g.dataset.value])")
        assert len(edges) == 9
        for name, value in edges:
            assert value == run.snaps[k].weights[names.index(name)]
        texts = driver.execute_script(
            "return Array.from(document.querySelectorAll('#network g.node[data-weight]'))"
            ".map(g => [g.dataset.weight, g.querySelector('text').textContent])")
        for name, text in texts:
            assert text == f"{run.snaps[k].weights[names.index(name)] + 0.0:.2f}"
        cursor = driver.execute_script(
            "return document.querySelector('#loss .cursor').dataset.epoch")
        assert int(cursor) == run.snaps[k].epoch
    assert _severe(driver) == []


def _python_grads(model, x, t) -> dict[str, float]:
    """Value.grad of each synapse for ½·Σ(ideal − out)² on one sample, neuron form."""
    from micrograd_nn.engine import Value
    from micrograd_nn.losses import sse_half
    from micrograd_nn.neurons import NeuronNet

    net = NeuronNet.from_mlp(model)
    sse_half(net([Value(float(v), requires_grad=False) for v in x]), list(t)).backward()
    return {s.name: s.weight.grad for s in net.synapses}


def test_stepping_the_backward_pass_shows_each_weight_s_value_grad(driver, run):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(driver, run.path)
    steps = driver.execute_script(
        "return JSON.parse(document.getElementById('data').textContent).stepper.steps")
    nf = sum(s["p"] == "f" for s in steps)
    graph = driver.find_element(By.ID, "graph")
    graph.click()
    graph.send_keys(Keys.HOME)
    count = "return document.querySelectorAll('#graph g.node[data-value]').length"
    grads = "return document.querySelectorAll('#graph g.node[data-grad]').length"
    leaves = driver.execute_script(count)
    for i in range(nf):  # forward: one more value per step, in the page's order
        graph.send_keys(Keys.ARROW_RIGHT)
        assert driver.execute_script(count) == leaves + i + 1
        assert driver.execute_script(grads) == 0
        current = driver.find_element(By.CSS_SELECTOR, "#graph g.node.current")
        assert current.get_attribute("data-node") == steps[i]["n"]
    graph.send_keys(Keys.ARROW_RIGHT)
    assert driver.execute_script(grads) == 1  # the root's gradient, 1
    graph.send_keys(Keys.END)
    status = driver.find_element(By.ID, "step-status")
    assert status.get_attribute("data-phase") == "update"
    assert int(status.get_attribute("data-pos")) == len(steps)
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('#graph g.node[data-label^=\"w\"]'))"
        ".map(g => [g.dataset.label, g.dataset.grad, Array.from(g.querySelectorAll('text'))"
        ".map(t => t.textContent).find(s => s.startsWith('grad'))])")
    want = _python_grads(run.model, run.X[2], run.y[2])
    assert sorted(name for name, _, _ in shown) == sorted(want)
    for name, exact, text in shown:
        assert json.loads(exact) == pytest.approx(want[name], rel=1e-12, abs=1e-15)
        assert float(text.split()[1]) == pytest.approx(want[name], rel=5e-4, abs=1e-12)
    # the notation alongside: GRAD = −∂E/∂w for each weight, every line visible now
    notation = driver.execute_script(
        "return Array.from(document.querySelectorAll('#explain .xl[data-key^=\"GRAD\"]'))"
        ".map(l => [l.dataset.key, +l.dataset.value, getComputedStyle(l).visibility])")
    assert len(notation) == 9
    for key, value, vis in notation:
        assert value == pytest.approx(-want[key[4:]], rel=1e-12, abs=1e-15)
        assert vis == "visible"
    graph.send_keys(Keys.HOME)
    assert driver.execute_script(grads) == 0
    assert _severe(driver) == []


def test_screenshots_are_not_blank(driver, run, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    keep = os.environ.get("MICROGRAD_NN_SCREENSHOTS")
    _open(driver, run.path)
    slider = driver.find_element(By.ID, "epoch-slider")
    slider.send_keys(Keys.HOME)
    shots = {"scrubber_first_epoch": driver.get_screenshot_as_png()}
    slider.send_keys(Keys.END)
    shots["scrubber_last_epoch"] = driver.get_screenshot_as_png()
    steps = driver.execute_script(
        "return JSON.parse(document.getElementById('data').textContent).stepper.steps")
    middle = [i for i, s in enumerate(steps, 1) if s["p"] == "b"]
    graph = driver.find_element(By.ID, "graph")
    driver.execute_script("document.getElementById('stepper').scrollIntoView()")
    graph.click()
    graph.send_keys(Keys.HOME)
    for _ in range(middle[len(middle) // 2]):
        graph.send_keys(Keys.ARROW_RIGHT)
    shots["stepper_mid_backward"] = driver.get_screenshot_as_png()
    for name, png in shots.items():
        (tmp_path / f"{name}.png").write_bytes(png)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            (Path(keep) / f"{name}.png").write_bytes(png)
        assert png.startswith(b"\x89PNG") and _colours(png) > 64, name
    assert shots["scrubber_first_epoch"] != shots["scrubber_last_epoch"]


def test_the_jupyter_iframe_renders_the_page(driver, run, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    from micrograd_nn.report import build_report

    rep = build_report(run.model, run.h, run.X, run.y, snapshots=run.snaps)
    host = tmp_path / "notebook.html"
    host.write_text(f"<!DOCTYPE html><html><body>{rep._repr_html_()}</body></html>",
                    encoding="utf-8")
    driver.get_log("browser")
    driver.get(host.as_uri())
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "const f = document.querySelector('iframe').contentDocument;"
        "return !!f && f.body && f.body.dataset.ready === '1'"))
    n = driver.execute_script("return document.querySelector('iframe').contentDocument"
                              ".querySelectorAll('#weights tbody tr').length")
    assert n == 9
    assert _severe(driver) == []
    assert np.isfinite(run.h.loss[-1])
