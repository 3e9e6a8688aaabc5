"""Save and load models: architecture as JSON, weights as ``.npz``, never pickle.

File layout: ``save(model, "runs/xor")`` writes two sibling files,

* ``runs/xor.json``: ``{"format": "micrograd_nn", "version": 1, "config":
  model.config(), "parameters": [{"name", "shape", "dtype"}, ...], "weights":
  "xor.npz", "weights_sha256": "..."}`` (readable, diffable);
* ``runs/xor.npz``: one array per parameter, keyed by its dotted name ("0.weight"),
  in numpy's ``.npz`` format (a zip of ``.npy`` files, as ``np.savez`` writes),
  read back with ``allow_pickle=False``. Scalar parameters are 0-d arrays.

A path ending in ".json" or ".npz" names the same pair; missing folders are created.
Each file is written to a temporary name and renamed, so an interrupted save never
leaves a half-written file: at worst the new ``.npz`` beside the old ``.json``, which
``load`` refuses (the checksum differs) instead of loading the wrong weights.
``load(path)`` rebuilds the model from the config (``MLP``, ``Sequential``,
``Linear``, activations, ``NeuronNet``) and checks names, shapes, dtypes and the
checksum; any problem raises ValueError naming the file and what is wrong.
``load_into(model, path)`` loads the weights into an existing model instead (for
modules without a config).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import nn
from .neurons import NeuronNet

FORMAT, VERSION = "micrograd_nn", 1


def paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``(json path, npz path)`` for a save path, with or without a suffix.

    A folder (an existing one, or a path ending in a separator) is not a save path:
    the files are named after it, so name the model, e.g. ``results/xor``.
    """
    text = os.fspath(path)
    p = Path(text)
    if text.endswith(("/", os.sep)) or p.is_dir():
        raise ValueError(f"{text!r} is a folder; give a file name inside it, e.g. "
                         f"{str(p / 'model')!r} (writes model.json and model.npz)")
    if p.suffix in (".json", ".npz"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".json"), p.with_name(p.name + ".npz")


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    # np.savez's own format; written directly so no parameter name can collide with
    # savez's keyword arguments ("file", "allow_pickle").
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arr, allow_pickle=False)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(model: nn.Module, path: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``model`` to ``path.json`` + ``path.npz``; returns the two paths."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"save: expected a Module, got {type(model).__name__}")
    config = model.config()
    jpath, npath = paths(path)
    named = model.named_parameters()
    arrays = {n: np.asarray(p.data) for n, p in named}
    meta = {"format": FORMAT, "version": VERSION, "config": config,
            "parameters": [{"name": n, "shape": list(a.shape), "dtype": str(a.dtype)}
                           for n, a in arrays.items()],
            "weights": npath.name}
    try:
        json.dumps(config)
    except (TypeError, ValueError) as e:
        raise TypeError(f"save: {type(model).__name__}.config() is not JSON-able: {e}") from None
    npath.parent.mkdir(parents=True, exist_ok=True)
    ntmp, jtmp = npath.with_name(npath.name + ".tmp"), jpath.with_name(jpath.name + ".tmp")
    _write_npz(ntmp, arrays)
    meta["weights_sha256"] = _sha256(ntmp)
    jtmp.write_text(json.dumps(meta, indent=2))
    os.replace(ntmp, npath)
    os.replace(jtmp, jpath)
    return jpath, npath


def _read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray], Path]:
    """The JSON metadata and the validated weight arrays of a saved pair."""
    jpath, npath = paths(path)
    try:
        meta = json.loads(jpath.read_text())
    except FileNotFoundError:
        raise ValueError(f"load: {jpath} not found (save(model, path) writes path.json "
                         "and path.npz)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"load: {jpath} is not valid JSON ({e}); the file is corrupt") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"load: {jpath} is not a micrograd_nn model file (no "
                         f"\"format\": \"{FORMAT}\")")
    if meta.get("version") != VERSION:
        raise ValueError(f"load: {jpath} has format version {meta.get('version')!r}; this "
                         f"micrograd_nn reads version {VERSION}")
    for key in ("config", "parameters"):
        if key not in meta:
            raise ValueError(f"load: {jpath} has no {key!r} entry; the file is corrupt")
    if not npath.exists():
        raise ValueError(f"load: weights file {npath} not found (it belongs with {jpath})")
    sha = meta.get("weights_sha256")
    if sha is not None and _sha256(npath) != sha:
        raise ValueError(f"load: {npath} does not match the checksum in {jpath}; the "
                         "weights file was changed, truncated or comes from another save")
    try:
        with np.load(npath, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise ValueError(f"load: cannot read {npath} as .npz ({e}); the file is corrupt") \
            from None
    try:
        listed = {d["name"]: (tuple(d["shape"]), d["dtype"]) for d in meta["parameters"]}
    except (TypeError, KeyError) as e:
        raise ValueError(f"load: {jpath} has a malformed 'parameters' list ({e})") from None
    if set(listed) != set(arrays):
        raise ValueError(f"load: {npath} holds {sorted(arrays)} but {jpath} lists "
                         f"{sorted(listed)}")
    for name, (shape, dtype) in listed.items():
        a = arrays[name]
        if a.shape != shape or str(a.dtype) != dtype:
            raise ValueError(f"load: {npath}: {name!r} has shape {a.shape} dtype {a.dtype}, "
                             f"but {jpath} lists shape {shape} dtype {dtype}")
    return meta, arrays, npath


def _build(config: Any) -> nn.Module:
    if isinstance(config, dict) and config.get("type") == "NeuronNet":
        return NeuronNet.from_config(config, seed=0)
    return nn.from_config(config, seed=0)


def _fill(model: nn.Module, arrays: dict[str, np.ndarray], npath: Path) -> None:
    try:
        model.load_state_dict(arrays)
    except (ValueError, TypeError) as e:
        raise ValueError(f"load: {npath} does not fit {type(model).__name__}: {e}") from None


def load(path: str | os.PathLike) -> nn.Module:
    """Rebuild the model saved at ``path`` (``path.json`` + ``path.npz``)."""
    meta, arrays, npath = _read(path)
    try:
        model = _build(meta["config"])
    except (ValueError, TypeError) as e:
        raise ValueError(f"load: {paths(path)[0]} has a config that cannot be built: "
                         f"{e}") from None
    _fill(model, arrays, npath)
    return model


def load_into(model: nn.Module, path: str | os.PathLike) -> nn.Module:
    """Load the weights saved at ``path`` into ``model`` (names and shapes must match);
    returns ``model``. The saved config is not checked, only the parameters."""
    _, arrays, npath = _read(path)
    _fill(model, arrays, npath)
    return model
