"""micrograd_nn.sweep on real Dask clusters (slow): a LocalCluster of two worker
processes, a worker killed with SIGKILL in the middle of a sweep, and a scheduler
and two workers started here as ``python -m dask scheduler`` / ``dask worker``
processes, driven through the sweep command.

Everything listens on 127.0.0.1 only; every process started here is stopped in a
``finally`` (its whole process group), and each test is bounded by an alarm.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed: pip install "
                          "'micrograd_nn[distributed]'")

from micrograd_nn import sweep as sw  # noqa: E402  (after the skip)
from micrograd_nn.data import xor  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
X, Y = xor()
SPACE = {"lr": [0.3, 1.5], "momentum": [0.0, 0.9], "hidden": [2, [3, 2]]}
EPOCHS = 150  # ~0.2 s a trial: long enough for a worker to die with trials in hand
LIMIT = 240  # seconds per test, cluster start-up included


def _rows(result: sw.SweepResult) -> list[dict]:
    return [{k: v for k, v in t.items() if k != "seconds"} for t in result.trials]


@pytest.fixture(autouse=True)
def _deadline() -> Iterator[None]:
    """Bound each test's run time: an alarm raises in the test after LIMIT seconds
    (the fixtures' finally blocks still stop what it started)."""
    def expire(signum, frame):
        raise TimeoutError(f"the test ran longer than {LIMIT} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def serial() -> sw.SweepResult:
    return sw.sweep(SPACE, X, Y, repeats=2, executor="serial", epochs=EPOCHS)


def _local_cluster():
    return distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                    host="127.0.0.1", dashboard_address=None)


def test_local_cluster_and_process_pool_give_the_serial_rows(serial):
    cluster = _local_cluster()
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            on_dask = sw.sweep(SPACE, X, Y, repeats=2, executor=client, epochs=EPOCHS)
    finally:
        cluster.close()
    assert _rows(on_dask) == _rows(serial)
    assert _rows(sw.sweep(SPACE, X, Y, repeats=2, executor=2, epochs=EPOCHS)) == _rows(serial)


def test_a_worker_killed_mid_sweep_loses_nothing(serial):
    cluster = _local_cluster()
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            pids = client.run(os.getpid)  # worker address -> its process id
            killed: list[int] = []

            def kill_a_busy_worker(row, done, total):
                if done == 3:
                    busy = max(client.processing().items(), key=lambda kv: len(kv[1]))[0]
                    assert client.processing()[busy], "no trial left to lose"
                    os.kill(pids[busy], signal.SIGKILL)
                    killed.append(pids[busy])

            result = sw.sweep(SPACE, X, Y, repeats=2, executor=client, epochs=EPOCHS,
                              progress=kill_a_busy_worker)
            client.wait_for_workers(2, timeout=60)  # the nanny started a new one
            assert killed and killed[0] not in client.run(os.getpid).values()
    finally:
        cluster.close()
    assert [t["status"] for t in result.trials] == ["ok"] * 16
    assert _rows(result) == _rows(serial)


# ---------------------------------------------------------------- dask scheduler / worker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(argv: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with open(log, "wb") as out:  # the child keeps its own handle
        # a session of its own: stopping its process group stops the nanny's worker too
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    try:  # the group may outlive its leader (a worker whose nanny left first)
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1; their address."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    procs: list[subprocess.Popen] = []
    try:
        procs.append(_start([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                             "--port", address.rsplit(":", 1)[1], "--no-dashboard",
                             "--dashboard-address", "127.0.0.1:0"],  # its HTTP server too
                            tmp_path / "scheduler.log", env))
        for i in range(2):
            procs.append(_start([sys.executable, "-m", "dask", "worker", address, "--host",
                                 "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                                 "--no-dashboard", "--death-timeout", "60"],
                                tmp_path / f"worker{i}.log", env))
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)


ARGS = ["--data", "xor", "--lr", "0.3,1.5", "--momentum", "0,0.9", "--hidden", "2,3-2",
        "--bias", "yes,no", "--repeats", "2", "--epochs", "60"]


def _file_rows(path: Path) -> list[dict]:
    rows = sorted(csv.DictReader(open(path)), key=lambda r: int(r["trial"]))
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_the_command_on_a_started_cluster_equals_the_local_run(scheduler, tmp_path, capsys):
    on_cluster, local = tmp_path / "cluster.csv", tmp_path / "local.csv"
    assert sw.cli_main([*ARGS, "--scheduler", scheduler, "--out", str(on_cluster)]) == 0
    printed = capsys.readouterr()
    assert "32 trials (0 failed)" in printed.out
    assert "sweep: 32/32 trials done, 0 failed" in printed.err
    assert sw.cli_main([*ARGS, "--workers", "0", "--out", str(local)]) == 0
    assert capsys.readouterr().out.splitlines()[1:-1] == printed.out.splitlines()[1:-1]
    rows = _file_rows(on_cluster)
    assert len(rows) == 32 and rows == _file_rows(local)


def test_a_scheduler_that_does_not_answer_times_out_in_one_line(capsys, tmp_path):
    port = _free_port()  # nobody listens there
    out = tmp_path / "s.csv"
    assert sw.cli_main(["--lr", "0.3,0.7", "--scheduler", f"tcp://127.0.0.1:{port}",
                        "--timeout", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"no Dask scheduler answered at tcp://127.0.0.1:{port} within 1 s" in err
    assert not out.exists()  # a rerun needs no --resume
