"""serialize under faults: concurrent saves, a failure or a crash at every step of a save,
crafted files that would cost time or memory, and fuzzed files.

Whatever happens, a model on disk is the old one or the new one, and a bad file is a
ValueError naming it, quickly, with a short message.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import multiprocessing
import os
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_nn import _safeio
from micrograd_nn.nn import MLP, Linear, Sequential, Tanh
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.serialize import load, save

LINUX = sys.platform.startswith("linux")
needs_fork = pytest.mark.skipif(not LINUX, reason="uses fork and Linux resource limits")
X = np.random.default_rng(0).normal(size=(5, 3))


def _state(model):
    return {n: np.asarray(v) for n, v in model.state_dict().items()}


def _same(a, b):
    return list(a) == list(b) and all(np.array_equal(a[n], b[n]) for n in a)


def _leftovers(folder):
    """Files other than the JSON and the weights file it names."""
    jpath = folder / "m.json"
    named = json.loads(jpath.read_text())["weights"]
    return sorted(set(os.listdir(folder)) - {"m.json", named})


# ---------------------------------------------------------------- concurrent saves


def _writer(path, seed, n, locking):
    _safeio.LOCKING = locking
    model = MLP(3, [8], 2, seed=seed)
    for _ in range(n):
        save(model, path)


def _reader(path, stop, out):
    """Load in a loop while the writers run; count failures (there must be none)."""
    bad = 0
    while not stop.is_set():
        existed = (path.parent / "m.json").exists()  # before the load: "not found" is
        try:  # only an error once the first save has landed
            load(path)
        except ValueError as e:
            bad += "not found" not in str(e) or existed
    out.value = bad


@needs_fork
@pytest.mark.parametrize("locking", [True, False], ids=["locked", "unlocked"])
def test_two_processes_saving_one_path_end_with_one_model(tmp_path, locking):
    ctx = multiprocessing.get_context("fork")
    path = tmp_path / "cs" / "m"
    stop, failures = ctx.Event(), ctx.Value("i", 0)
    reader = ctx.Process(target=_reader, args=(path, stop, failures))
    writers = [ctx.Process(target=_writer, args=(path, s, 30, locking)) for s in (1, 2)]
    for p in [reader, *writers]:
        p.start()
    for p in writers:
        p.join(120)
    stop.set()
    reader.join(60)
    assert [p.exitcode for p in writers] == [0, 0]  # no writer raised
    got = _state(load(path))
    assert any(_same(got, _state(MLP(3, [8], 2, seed=s))) for s in (1, 2))
    assert not [f for f in os.listdir(path.parent) if f.endswith(".tmp")]
    if locking:
        assert _leftovers(path.parent) == [] and failures.value == 0
    save(MLP(3, [8], 2, seed=3), path)  # a locked save removes any orphans
    assert _leftovers(path.parent) == []


def test_threads_saving_one_path(tmp_path):
    import threading

    models = [MLP(3, [4], 2, seed=s) for s in range(4)]
    threads = [threading.Thread(target=lambda m=m: [save(m, tmp_path / "m") for _ in range(5)])
               for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = _state(load(tmp_path / "m"))
    assert any(_same(got, _state(m)) for m in models)
    assert _leftovers(tmp_path) == []


# ---------------------------------------------------------------- a fault at every step

PATCHED = ("open", "write", "fsync", "close", "replace", "rename", "unlink", "remove",
           "listdir")


class Injector:
    """Counts the os calls of a save; ``fail_at=k`` makes the k-th call raise ``exc``
    (or, with ``exc=None``, end the process at once, like a crash or a power cut)."""

    def __init__(self, fail_at=-1, exc=None):
        self.calls, self.fail_at, self.exc = [], fail_at, exc
        self.saved = {}

    def __enter__(self):
        for name in PATCHED:
            real = self.saved[name] = getattr(os, name)

            def fake(*args, _real=real, _name=name, **kw):
                k = len(self.calls)
                self.calls.append(_name)
                if k == self.fail_at:
                    if self.exc is None:
                        os._exit(3)
                    raise self.exc(errno.EIO, f"injected failure in os.{_name}") \
                        if self.exc is OSError else self.exc()
                return _real(*args, **kw)

            setattr(os, name, fake)
        return self

    def __exit__(self, *exc):
        for name, real in self.saved.items():
            setattr(os, name, real)


OLD, NEW, NEXT = (MLP(3, [4], 2, seed=s) for s in (10, 11, 12))


def _record_calls():
    with tempfile.TemporaryDirectory() as d:
        save(OLD, Path(d) / "m")
        with Injector() as inj:
            save(NEW, Path(d) / "m")
    return inj.calls


CALLS = _record_calls()
COMMIT = CALLS.index("replace")


@pytest.mark.parametrize("mode", ["error", "interrupt", "crash"])
@pytest.mark.parametrize("k", range(len(CALLS)), ids=[f"{i}-{c}" for i, c in enumerate(CALLS)])
def test_a_fault_at_any_step_leaves_the_old_or_the_new_model(tmp_path, k, mode):
    path = tmp_path / "m"
    save(OLD, path)
    if mode == "crash":
        if not LINUX:
            pytest.skip("uses fork")

        def crash():
            with Injector(k, None):
                save(NEW, path)

        p = multiprocessing.get_context("fork").Process(target=crash)
        p.start()
        p.join(60)
        assert p.exitcode == 3
        raised = True
    else:
        exc = OSError if mode == "error" else KeyboardInterrupt
        try:
            with Injector(k, exc):
                save(NEW, path)
            raised = False
        except exc:
            raised = True
    expected = OLD if raised and k <= COMMIT else NEW
    assert _same(_state(load(path)), _state(expected))
    left = _leftovers(tmp_path)
    assert not [f for f in left if f.endswith(".tmp")] or mode == "crash"
    assert all(f.startswith("m.") and f.endswith((".npz", ".tmp")) for f in left)
    if raised and k <= COMMIT and mode != "crash":
        assert left == []  # a failed save removed its files
    save(NEXT, path)  # the next save removes what a crash left
    assert _leftovers(tmp_path) == []
    assert _same(_state(load(path)), _state(NEXT))


def test_a_save_that_fails_after_writing_weights_removes_them(tmp_path, monkeypatch):
    save(OLD, tmp_path / "m")
    before = sorted(os.listdir(tmp_path))
    calls = []

    def later_check(raw, where):  # save checks its JSON twice: before and in commit
        calls.append(where)
        if len(calls) > 1:
            raise ValueError("injected: the JSON is refused after the weights are written")

    monkeypatch.setattr(_safeio, "check_json_text", later_check)
    with pytest.raises(ValueError, match="injected"):
        save(NEW, tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == before
    monkeypatch.undo()
    assert _same(_state(load(tmp_path / "m")), _state(OLD))


# ---------------------------------------------------------------- crafted files


def _bounded(fn, mem_mb=256, seconds=30):
    """Run ``fn`` in a child limited to ``mem_mb`` more address space (more raises
    MemoryError); returns (exception name or "ok", message cut to 2000 characters,
    message length, seconds)."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child():
        import resource

        vm = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (vm + (mem_mb << 20), resource.RLIM_INFINITY))
        t = time.perf_counter()
        try:
            fn()
            kind, msg = "ok", ""
        except BaseException as e:  # noqa: BLE001 - report whatever it is
            kind, msg = type(e).__name__, str(e)
        send.send((kind, msg[:2000], len(msg), time.perf_counter() - t))

    p = ctx.Process(target=child)
    p.start()
    out = recv.recv() if recv.poll(seconds) else ("timeout", "", 0, seconds)
    p.join(5)
    if p.is_alive():
        p.kill()
        p.join()
    return out


def _rewrite(folder, edit=None, npz=None):
    """Edit the saved JSON (``edit(meta)``) and/or replace the weights file's bytes,
    keeping the checksum consistent so only the checks under test can refuse it."""
    jpath = folder / "m.json"
    meta = json.loads(jpath.read_text())
    wpath = folder / meta["weights"]
    if npz is not None:
        wpath.write_bytes(npz)
        meta["weights_sha256"] = hashlib.sha256(npz).hexdigest()
    text = edit(meta) if edit else None  # an edit may return the whole text
    jpath.write_text(text if isinstance(text, str) else json.dumps(meta))
    return jpath


def _npz(members):
    """A zip of raw members {name: bytes}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _header_only(shape, dtype="<f8"):
    """A .npy header declaring ``shape`` and no data."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _config(**kw):
    return lambda meta: meta["config"].update(kw)


def _set(**kw):
    return lambda meta: meta.update(kw)


N149 = 20_000_000_000  # float64s: 149 GiB
CRAFTED = {
    "mlp-40000x40000": (MLP, _config(nin=40000, hidden=[40000]), None),
    "mlp-hidden-100000x100000": (MLP, _config(hidden=[100000, 100000], bias=True), None),
    "mlp-a-million-layers": (MLP, _config(hidden=[1] * 1_000_000), None),
    "json-nested-3000-deep": (MLP, lambda meta: json.dumps({**meta, "config": "@"}).replace(
        '"@"', "[" * 3000 + "]" * 3000), None),
    "neuronnet-3000x3000": (NeuronNet, _config(nin=3000, hidden=[3000]), None),
    "neuronnet-3000x3000-listed": (NeuronNet, lambda meta: (
        meta["config"].update(nin=3000, hidden=[3000]),
        meta.update(parameters=[{"name": f"w{i}", "shape": [], "dtype": "float64"}
                                for i in range(1, 65_001)])), None),
    "listing-65537-entries": (MLP, _set(parameters=[
        {"name": f"p{i}", "shape": [], "dtype": "float64"} for i in range(65_537)]), None),
    "npz-header-149GiB": (Linear, lambda meta: (
        meta["config"].update(nin=1, nout=N149, bias=False),
        meta.update(parameters=[{"name": "weight", "shape": [1, N149], "dtype": "float64"}])),
        _npz({"weight.npy": _header_only((1, N149))})),
    "npz-header-149GiB-unlisted": (Linear, None, _npz({"weight.npy": _header_only((1, N149)),
                                                       "bias.npy": _header_only((1,))})),
    "npz-20000-members": (Linear, None, _npz({f"x{i}.npy": b"" for i in range(20_000)})),
    "json-5MiB": (MLP, _set(pad="x" * (5 << 20)), None),
    "json-200000-objects": (MLP, _set(pad=[{}] * 200_000), None),
}


def _base(kind, folder):
    model = {MLP: MLP(2, [2], 1, seed=0), Linear: Linear(1, 1, seed=0),
             NeuronNet: NeuronNet.article_xor()}[kind]
    save(model, folder / "m")


@needs_fork
@pytest.mark.parametrize("case", list(CRAFTED))
def test_crafted_files_are_refused_fast_and_small(tmp_path, case):
    kind, edit, npz = CRAFTED[case]
    _base(kind, tmp_path)
    jpath = _rewrite(tmp_path, edit, npz)
    got, msg, length, seconds = _bounded(lambda: load(tmp_path / "m"))
    assert got == "ValueError", (got, msg[:500])
    assert str(tmp_path) in msg and length < 700, msg
    assert seconds < 0.5, seconds
    assert jpath.exists()


# ---------------------------------------------------------------- fuzzing

MODELS = {"mlp": MLP(3, [4], 2, seed=0),
          "sequential": Sequential(Linear(3, 2, seed=1), Tanh(), Linear(2, 1, bias=False)),
          "neurons": NeuronNet.article_xor()}
ORIGINALS: dict[str, tuple[bytes, str, bytes]] = {}


def _original(name):
    if name not in ORIGINALS:
        with tempfile.TemporaryDirectory() as d:
            jpath, wpath = save(MODELS[name], Path(d) / "m")
            ORIGINALS[name] = (jpath.read_bytes(), wpath.name, wpath.read_bytes())
    return ORIGINALS[name]


def _mutate_bytes(data, how, pos, blob):
    pos %= len(data) + 1
    if how == "flip":
        i = min(pos, len(data) - 1)
        return data[:i] + bytes([data[i] ^ (blob[0] if blob else 0xFF)]) + data[i + 1:]
    if how == "truncate":
        return data[:pos]
    if how == "insert":
        return data[:pos] + blob + data[pos:]
    return data[:pos] + data[pos + len(blob):]  # delete


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.sampled_from(
        [2**63, -1, 0, 10**12, 40000, "float64", "<f8", "object", "m.npz", "../m.npz", ""])
    | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=8)


def _paths_in(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths_in(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths_in(v, (*prefix, i))


def _replace_at(obj, path, value):
    if not path:
        return value
    obj[path[0]] = _replace_at(obj[path[0]], path[1:], value)
    return obj


mutation = st.one_of(
    st.tuples(st.just("json-bytes"), st.sampled_from(["flip", "truncate", "insert", "delete"]),
              st.integers(0, 10**6), st.binary(min_size=1, max_size=8), st.booleans()),
    st.tuples(st.just("npz-bytes"), st.sampled_from(["flip", "truncate", "insert", "delete"]),
              st.integers(0, 10**6), st.binary(min_size=1, max_size=8), st.booleans()),
    st.tuples(st.just("json-value"), st.integers(0, 10**6), json_values),
)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(model=st.sampled_from(sorted(MODELS)), mut=mutation)
def test_fuzzed_files_load_correctly_or_raise_valueerror(model, mut):
    raw_json, wname, raw_npz = _original(model)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        if mut[0] == "json-value":
            meta = json.loads(raw_json)
            spots = list(_paths_in(meta))
            meta = _replace_at(meta, spots[mut[1] % len(spots)], mut[2])
            raw_json = json.dumps(meta).encode()
        elif mut[0] == "json-bytes":
            raw_json = _mutate_bytes(raw_json, *mut[1:4])
        else:
            raw_npz = _mutate_bytes(raw_npz, *mut[1:4])
            if mut[4]:  # keep the checksum right, so the npz checks themselves are tried
                raw_json = raw_json.replace(hashlib.sha256(_original(model)[2]).hexdigest()
                                            .encode(), hashlib.sha256(raw_npz).hexdigest()
                                            .encode())
        (folder / "m.json").write_bytes(raw_json)
        (folder / wname).write_bytes(raw_npz)
        tracemalloc.start()
        try:
            got = load(folder / "m")
        except ValueError as e:
            got = e
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < 32 << 20
        if isinstance(got, ValueError):
            msg = str(got)
            assert str(folder) in msg and len(msg) < 1000, msg
        else:  # a load is a correct load: the saved values, in the model's dtype
            want, have = _state(MODELS[model]), _state(got)
            assert list(want) == list(have)
            for n in want:
                assert np.array_equal(want[n].astype(have[n].dtype), have[n], equal_nan=True)
