"""Save and load models: architecture as JSON, weights as `.npz`, never pickle.

File layout: `save(model, "runs/xor")` writes two sibling files,

* `runs/xor.json`, the file to point at: `{"format": "micrograd_nn", "version": 2,
  "config": model.config(), "weights": "xor.npz", "weights_sha256": "...",
  "parameters": [{"name", "shape", "dtype"}, ...], "buffers": [...]}` (readable,
  diffable; one line per parameter);
* the weights file it names, `runs/xor.npz` (or `runs/xor.<8 hex digits>.npz` while
  `xor.npz` belongs to the model being replaced): one array per parameter and buffer,
  keyed by its dotted name ("0.weight"), in numpy's `.npz` format (a zip of `.npy`
  files, as `np.savez` writes), read back without pickle. Scalars are 0-d arrays.

A path ending in ".json" or ".npz" names the same model; missing folders are created.
Version 1 files (weights always in `xor.npz`) still load.

Guarantees. A save is atomic: the weights go to a new file first, and replacing the
JSON (`os.replace`, after fsyncing both) is the commit. Whenever a save fails or the
process dies, `load` finds the old model or the new one, never neither; a failed save
removes its files, a killed one may leave files no JSON names, which the next save of
any model into the folder removes. Concurrent saves to one path (processes or threads)
end with one of their models; saves into a folder take turns on a lock (`flock`;
where there is none, as on Windows, saves still commit atomically but leave superseded
files). `load` re-reads the JSON if a save replaced the pair while it read. `save`
refuses NaN/inf parameters unless `allow_nonfinite=True`, and anything `load`
would refuse, before touching any file.

`load` refuses, with a ValueError naming the file, what is wrong and the fix: a JSON
over 4 MiB, nested over 64 levels, with over 132,072 arrays/objects or listing over
65,536 arrays; a missing or wrong checksum; a weights file whose zip directory, member
headers (dtype, shape, byte count) or size disagree with the JSON's listing;
compressed or non-numeric (pickled) members; a config that does not build exactly the
listed arrays. Sizes are checked before any array is allocated or any model built, so
a bad file costs time and memory in proportion to its own size, not to the sizes it
claims (a worst-case 4 MiB JSON: 0.3 s, 50 MB), and messages stay short (at most a
few hundred characters besides the file names). `load(path)` rebuilds `MLP`,
`Sequential`, `Linear`, activations and `NeuronNet`; `load_into(model, path)`
loads the parameters and buffers into an existing model (for modules without a
buildable config).
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import _safeio as sio
from . import nn
from .engine import Value
from .neurons import NeuronNet

FORMAT, VERSION = "micrograd_nn", 2
_PLAIN = {"Sigmoid", "Tanh", "ReLU", "Identity"}


def paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """`(JSON path, default weights path)` for a save path, with or without a suffix
    (the JSON names the weights file actually in use).

    A folder (an existing one, or a path ending in a separator) is not a save path:
    the files are named after it, so name the model, e.g. `results/xor`.
    """
    text = os.fspath(path)
    p = Path(text)
    if text.endswith(("/", os.sep)) or p.is_dir():
        raise ValueError(f"{text!r} is a folder; give a file name inside it, e.g. "
                         f"{str(p / 'model')!r} (writes model.json and model.npz)")
    if p.suffix in (".json", ".npz"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".json"), p.with_name(p.name + ".npz")


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    # np.savez's own format; written directly so no parameter name can collide with
    # savez's keyword arguments ("file", "allow_pickle").
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arr, allow_pickle=False)
    return buf.getvalue()


def _listed(arrays: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    return [{"name": n, "shape": list(a.shape), "dtype": str(a.dtype)}
            for n, a in arrays.items()]


def _dumps(meta: dict[str, Any]) -> str:
    """Indented JSON, but one line per parameter/buffer entry (files stay small)."""
    parts = []
    for key, v in meta.items():
        if key in ("parameters", "buffers") and v:
            rows = ",\n".join("    " + json.dumps(e) for e in v)
            parts.append(f'  "{key}": [\n{rows}\n  ]')
        else:
            parts.append(f"  {json.dumps(key)}: " + json.dumps(v, indent=2).replace(
                "\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def save(model: nn.Module, path: str | os.PathLike, *,
         allow_nonfinite: bool = False) -> tuple[Path, Path]:
    """Write `model` to `path.json` and its weights file; returns the two paths.

    Raises ValueError, before touching any file, for a parameter holding NaN/inf
    (unless `allow_nonfinite`) or a model over load's limits.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"save: expected a Module, got {type(model).__name__}")
    jpath, _ = paths(path)
    config = model.config()
    try:
        json.dumps(config)
    except (TypeError, ValueError) as e:
        raise TypeError(f"save: {type(model).__name__}.config() is not JSON-able: {e}") from None
    params = {n: np.asarray(p.data) for n, p in model.named_parameters()}
    buffers = {n: np.asarray(b.data if isinstance(b, Value) else b)
               for n, b in model.named_buffers()}
    for n, a in {**params, **buffers}.items():
        if a.dtype.kind not in "biuf":
            raise TypeError(f"save: {n!r} has dtype {a.dtype}; only numbers are saved")
    if not allow_nonfinite:
        for n, a in params.items():
            bad = int(a.size - np.count_nonzero(np.isfinite(a)))
            if bad:
                raise ValueError(f"save: parameter {n!r} holds NaN/inf ({bad} of {a.size} "
                                 f"values); {jpath} was not written. Fix the training "
                                 "(a lower learning rate?) or pass allow_nonfinite=True "
                                 "to save anyway")
    if set(params) & set(buffers) or len(params) + len(buffers) > sio.MAX_ENTRIES or \
            any(len(n) > sio.MAX_NAME or a.ndim > sio.MAX_NDIM
                for n, a in {**params, **buffers}.items()):
        raise ValueError(f"save: {type(model).__name__} has more than "
                         f"{sio.MAX_ENTRIES:,} arrays, names over {sio.MAX_NAME} characters, "
                         "over 32 dimensions or a name used by a parameter and a buffer; "
                         "load would refuse the file, so it was not written")
    data = _npz_bytes({**params, **buffers})
    meta = {"format": FORMAT, "version": VERSION, "config": config, "weights": "",
            "weights_sha256": hashlib.sha256(data).hexdigest(),
            "parameters": _listed(params), "buffers": _listed(buffers)}

    def make_json(weights_name: str) -> bytes:
        raw = _dumps({**meta, "weights": weights_name}).encode()
        try:
            sio.check_json_text(raw, "its JSON")
        except ValueError as e:
            raise ValueError(f"save: {jpath} not written: {e}") from None
        return raw

    make_json("x" * 16)  # over the limits: fail before touching any file
    return jpath, sio.commit(jpath, data, make_json, _weights_named_by)


# ---------------------------------------------------------------- reading


def _weights_named_by(jpath: Path) -> str | None:
    try:
        meta, _ = sio.read_json(jpath, "save")
        return _header(meta, jpath)[0].name
    except ValueError:
        return None


def _header(meta: Any, jpath: Path) -> tuple[Path, str]:
    """(weights path, checksum) from the JSON, after checking its format and version."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"load: {jpath} is not a micrograd_nn model file (no "
                         f"\"format\": \"{FORMAT}\")")
    version = meta.get("version")
    if version not in (1, VERSION) or type(version) is not int:
        raise ValueError(f"load: {jpath} has format version {sio.short(version, 40)}; this "
                         f"micrograd_nn reads versions 1 and {VERSION} (upgrade it)")
    for key in ("config", "parameters", "weights_sha256"):
        if key not in meta:
            raise ValueError(f"load: {jpath} has no {key!r} entry; the file is corrupt or "
                             "was edited (save the model again)")
    sha, name = meta["weights_sha256"], meta.get("weights")
    if not isinstance(sha, str):
        raise ValueError(f"load: {jpath} has a malformed 'weights_sha256' entry")
    if version == 1:  # version 1 always used the sibling <name>.npz
        return paths(jpath)[1], sha
    if not isinstance(name, str) or not name.endswith(".npz") or len(name) > 255 or \
            Path(name).name != name or "/" in name or "\\" in name:
        raise ValueError(f"load: {jpath} names the weights file {sio.short(name, 80)}; "
                         "it must be a .npz file name in the same folder")
    return jpath.parent / name, sha


def _entry(d: Any, seen: sio.Listing) -> tuple[str, tuple[int, ...], np.dtype] | None:
    """`(name, shape, dtype)` of a listing entry, or None if it is malformed."""
    if not isinstance(d, dict):
        return None
    name, shape, dtype = d.get("name"), d.get("shape"), d.get("dtype")
    if not (isinstance(name, str) and 0 < len(name) <= sio.MAX_NAME and name not in seen
            and isinstance(shape, list) and len(shape) <= sio.MAX_NDIM
            and all(type(n) is int and n >= 0 for n in shape)
            and isinstance(dtype, str) and len(dtype) <= 16):
        return None
    dt = _dtype(dtype)
    return None if dt is None else (name, tuple(shape), dt)


@functools.lru_cache(maxsize=64)
def _dtype(text: str) -> np.dtype | None:
    """The numeric dtype a listing's string names, or None."""
    try:
        dt = np.dtype(text)
    except (TypeError, ValueError):
        return None
    return dt if dt.kind in "biuf" and dt.fields is None and dt.subdtype is None else None


def _entries(meta: dict[str, Any], key: str, jpath: Path) -> sio.Listing:
    items = meta.get(key, [])
    if not isinstance(items, list) or len(items) > sio.MAX_ENTRIES:
        raise ValueError(f"load: {jpath} has a malformed {key!r} list (not a list of at "
                         f"most {sio.MAX_ENTRIES:,} entries)")
    out: sio.Listing = {}
    for i, d in enumerate(items):
        entry = _entry(d, out)
        if entry is None:
            raise ValueError(f"load: {jpath} has a malformed {key!r} list (entry {i}, "
                             f"{sio.short(d, 120)}, needs a new name, a shape of ints >= 0 "
                             "and a numeric dtype)")
        out[entry[0]] = entry[1:]
    return out


def _read(path: str | os.PathLike, build: bool
          ) -> tuple[dict[str, Any], dict[str, np.ndarray], Path]:
    """The JSON metadata and the validated arrays of a saved model; with `build`, the
    config must describe exactly the listed arrays (checked before reading them)."""
    jpath, _ = paths(path)
    for attempt in range(_READ_ATTEMPTS):
        meta, seen = sio.read_json(jpath, "load")
        wpath, sha = _header(meta, jpath)
        plan = _plan_of(meta["config"], jpath) if build else None
        if plan is not None:  # compare counts before checking every entry
            lists = [meta["parameters"], meta.get("buffers", [])]
            count = sum(len(x) if isinstance(x, list) else 0 for x in lists)
            want = plan if isinstance(plan, int) else len(plan)
            if count != want:
                raise ValueError(f"load: {jpath}: the weights do not fit the config: it "
                                 f"describes {want:,} arrays, the file lists {count:,}; "
                                 "the file was edited or is corrupt")
        listing = _entries(meta, "parameters", jpath)
        buffers = _entries(meta, "buffers", jpath)
        if set(listing) & set(buffers) or len(listing) + len(buffers) > sio.MAX_ENTRIES:
            raise ValueError(f"load: {jpath} lists a name twice or over "
                             f"{sio.MAX_ENTRIES:,} arrays; the file is corrupt")
        listing.update(buffers)
        if plan is not None:
            _compare(plan, listing, jpath)
        try:
            return meta, sio.read_npz(wpath, sha, listing, str(jpath), "load"), wpath
        except sio.Stale:
            if attempt == _READ_ATTEMPTS - 1 or sio.stamp(jpath) == seen:
                raise  # not a save replacing the pair while we read
            time.sleep(0.001 * attempt)  # saves in a loop elsewhere: let one finish
    raise AssertionError("unreachable")


# A reader racing a writer that saves in a loop retries; a slow reader on a loaded
# machine may need several tries (two processes saving 30 times each: up to 5 seen).
_READ_ATTEMPTS = 20


def _checked(config: Any) -> dict[str, Any]:
    """`config` if it is a small dict of scalars (and the list fields), else
    ValueError: what from_config is given, and may quote, stays small."""
    if not isinstance(config, dict) or len(config) > 16 or not isinstance(
            config.get("type"), str):
        raise ValueError(f"a module config is a dict with a 'type' and a few settings, "
                         f"got {sio.short(config, 200)}")
    for k, v in config.items():
        if k not in ("hidden", "bias", "modules") and not (
                v is None or isinstance(v, (bool, int, float)) or
                (isinstance(v, str) and len(v) <= 100)):
            raise ValueError(f"{config['type']} config has {sio.short(k, 40)}="
                             f"{sio.short(v, 100)}; settings are numbers or short strings")
    return config


def _sizes(config: dict[str, Any], kind: str) -> tuple[list[int], list[bool]]:
    hidden = config.get("hidden")
    if not isinstance(hidden, list) or len(hidden) >= sio.MAX_ENTRIES:
        raise ValueError(f"{kind} config has hidden={sio.short(hidden, 100)}; expected a "
                         f"list of under {sio.MAX_ENTRIES:,} layer widths")
    sizes = [config.get("nin"), *hidden, config.get("nout")]
    if not all(type(n) is int and n > 0 for n in sizes):
        raise ValueError(f"{kind} config needs positive int sizes, got nin="
                         f"{sio.short(config.get('nin'), 40)}, hidden={sio.short(hidden, 100)}"
                         f", nout={sio.short(config.get('nout'), 40)}")
    bias = config.get("bias", True)
    biases = [bias] * (len(sizes) - 1) if type(bias) is bool else bias
    if not (isinstance(biases, list) and len(biases) == len(sizes) - 1
            and all(type(b) is bool for b in biases)):
        raise ValueError(f"{kind} config has bias {sio.short(bias, 100)}; expected a bool "
                         f"or {len(sizes) - 1} bools")
    return sizes, biases


def _plan(config: Any, prefix: str, out: dict[str, tuple[int, ...]]) -> None:
    """Add the parameter shapes `from_config(config)` would create to `out`."""
    kind = _checked(config)["type"]
    if kind == "Linear":
        config = {"nin": config.get("nin"), "hidden": [], "nout": config.get("nout"),
                  "bias": config.get("bias", True)}
    if kind in ("Linear", "MLP"):
        sizes, biases = _sizes(config, kind)
        step = 2 if kind == "MLP" else 1
        for i, b in enumerate(biases):
            pre = f"{prefix}{step * i}." if kind == "MLP" else prefix
            out[pre + "weight"] = (sizes[i], sizes[i + 1])
            if b:
                out[pre + "bias"] = (sizes[i + 1],)
    elif kind == "Sequential" and isinstance(config.get("modules"), list):
        for i, c in enumerate(config["modules"]):
            _plan(c, f"{prefix}{i}.", out)
    elif kind not in _PLAIN:
        raise ValueError(f"unknown or malformed module config {sio.short(config, 200)}; "
                         "load builds Linear, Sigmoid, Tanh, ReLU, Identity, Sequential, "
                         "MLP and NeuronNet (use load_into for other modules)")


def _plan_of(config: Any, jpath: Path) -> dict[str, tuple[int, ...]] | int:
    """The parameter shapes the config builds (for a NeuronNet, the synapse count)."""
    try:
        if isinstance(config, dict) and config.get("type") == "NeuronNet":
            sizes, biases = _sizes(_checked(config), "NeuronNet")
            return sum((sizes[i] + b) * sizes[i + 1] for i, b in enumerate(biases))
        planned: dict[str, tuple[int, ...]] = {}
        _plan(config, "", planned)
        return planned
    except ValueError as e:
        raise ValueError(f"load: {jpath} has a config that cannot be built: {e}") from None


def _compare(plan: dict[str, tuple[int, ...]] | int, listing: sio.Listing,
             jpath: Path) -> None:
    """Refuse a config that would not build exactly the listed arrays (before building:
    a config can ask for any size, the listing is checked against the real data)."""
    have = {n: s for n, (s, _) in listing.items()}
    if isinstance(plan, int):  # NeuronNet: names are checked when the weights are filled
        if any(s != () for s in have.values()):
            raise ValueError(f"load: {jpath}: a NeuronNet's weights are scalars, but the "
                             "file lists arrays; the file was edited or is corrupt")
    elif plan != have:
        def shape(s: Any) -> str:
            return "absent" if s is None else f"shape {s}"
        diff = (f"{n!r}: {shape(have.get(n))} in the file, {shape(plan.get(n))} in "
                "the config" for n in [*plan, *have] if plan.get(n) != have.get(n))
        raise ValueError(f"load: {jpath}: the weights do not fit the config "
                         f"({sio.short('; '.join(itertools.islice(diff, 3)))}); the file was "
                         "edited or is corrupt")


# The one registry of configs: a config's "type" -> its builder (nn.from_config builds
# every type of nn.py; the neuron form lives above nn and brings its own)
_BUILDERS = {"NeuronNet": NeuronNet.from_config}


def _build(config: Any) -> nn.Module:
    return _BUILDERS.get(config.get("type"), nn.from_config)(config, seed=0)


def _fill(model: nn.Module, arrays: dict[str, np.ndarray], npath: Path) -> None:
    try:
        model.load_state_dict(arrays)
    except (ValueError, TypeError) as e:
        raise ValueError(f"load: {npath} does not fit {type(model).__name__}: "
                         f"{sio.short(str(e))}") from None


def load(path: str | os.PathLike) -> nn.Module:
    """Rebuild the model saved at `path` (`path.json` and its weights file)."""
    meta, arrays, npath = _read(path, True)
    try:
        model = _build(meta["config"])
    except (ValueError, TypeError) as e:
        raise ValueError(f"load: {paths(path)[0]} has a config that cannot be built: "
                         f"{sio.short(str(e))}") from None
    _fill(model, arrays, npath)
    return model


def load_into(model: nn.Module, path: str | os.PathLike) -> nn.Module:
    """Load the parameters and buffers saved at `path` into `model` (names and
    shapes must match); returns `model`. The saved config is not checked."""
    _, arrays, npath = _read(path, False)
    _fill(model, arrays, npath)
    return model
